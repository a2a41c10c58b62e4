import { parseArgs } from 'node:util';
import { claudeCodeConfig, CONNECTOR_NOTES, DESKTOP_NOTES, messagesApiRequest } from '../connect/generate.js';
import { loadConfig } from '../config/load-config.js';
import type { CliIo } from './audit.js';

/** `toolgate connect claude-code|messages-api|desktop --url URL [--client C] [--token-env VAR]`. */
export async function runConnectCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string' }, url: { type: 'string' }, client: { type: 'string' }, 'token-env': { type: 'string' }, scope: { type: 'string' } } });
  const [surface] = positionals;
  if (!surface || !['claude-code', 'messages-api', 'desktop'].includes(surface) || !values.url) {
    io.stderr.write('Usage: toolgate connect claude-code|messages-api|desktop --url https://gateway.example.com [--client NAME] [--token-env VAR] [--config FILE]\n');
    return 2;
  }
  const { config, path } = await loadConfig(values.config, process.cwd(), io.env);
  const client = values.client ?? Object.keys(config.toolsets ?? {})[0] ?? '*';
  const tools = config.toolsets?.[client] ?? (config.toolsets ? [] : config.tools.map((t) => t.name));
  if (tools.length === 0) {
    io.stderr.write(`Client "${client}" has no tools in ${path}; pick one of: ${Object.keys(config.toolsets ?? {}).join(', ')}.\n`);
    return 2;
  }
  const scope = values.scope ?? 'local';
  if (!['local', 'project', 'user'].includes(scope)) {
    io.stderr.write('--scope must be local, project or user (project writes a shared .mcp.json that teammates must approve).\n');
    return 2;
  }
  const input = { url: values.url, client, tools, tokenEnv: values['token-env'] ?? 'TOOLGATE_TOKEN', configPath: path, scope: scope as 'local' | 'project' | 'user' };
  const out: string[] = [];
  if (surface === 'claude-code') {
    const cc = claudeCodeConfig(input);
    out.push(`# Remote (HTTP), ${scope} scope — the token stays in your environment:`, cc.httpCommand, '', '# Local (stdio), user scope:', cc.stdioCommand, '', '# Or commit this .mcp.json (placeholders only, never a literal secret):', JSON.stringify(cc.mcpJson, null, 2));
  } else if (surface === 'messages-api') {
    const request = messagesApiRequest(input);
    out.push(`# POST https://api.anthropic.com/v1/messages — toolset of "${client}": ${tools.join(', ')}`, '# Headers:', JSON.stringify(request.headers, null, 2), '# Body:', JSON.stringify(request.body, null, 2), '', ...CONNECTOR_NOTES.map((n) => `# ${n}`));
  } else {
    out.push(`Remote MCP URL: ${input.url.replace(/\/+$/, '')}/mcp`, `Tools exposed to "${client}": ${tools.join(', ')}`, '', ...DESKTOP_NOTES.map((n) => `- ${n}`));
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
