import { claudeAiConnector } from '../connect/claude-ai.js';
import { claudeCodeConfig, CONNECTOR_NOTES, DESKTOP_NOTES, messagesApiRequest } from '../connect/generate.js';
import { loadConfig } from '../config/load-config.js';
import { badUrl, flagNotTaken, parseCommand, usageError, type CliIo } from './args.js';

const TARGETS = ['claude-code', 'messages-api', 'desktop', 'claude-ai'] as const;
const USAGE = `Usage: toolgate connect claude-code|messages-api|desktop|claude-ai --url https://gateway.example.com
                        [--client NAME] [--token-env VAR] [--scope local|project|user] [--config FILE]

Prints ready configuration for one Claude surface from the actual toolset:
  claude-code    \`claude mcp add\` lines (HTTP and stdio) and a .mcp.json with \${VAR} placeholders
  messages-api   a Messages API request with mcp_servers, an mcp_toolset allowlist and the beta header
  desktop        the remote URL and steps for a Claude.ai / Desktop custom connector
  claude-ai      the custom-connector steps over OAuth: URL, IdP, client registration and callback
                 URLs, what the IdP must support (reads the IdP's metadata when it answers)

Options:
  --url URL         The gateway's public base URL
  --client NAME     Whose toolset to expose (default: the first toolset); not claude-ai
  --token-env VAR   Environment variable that holds the token (default TOOLGATE_TOKEN);
                    claude-code and messages-api
  --scope S         Claude Code scope: local (default), project or user; claude-code only
  --config FILE     toolgate.config.{ts,js,mjs}
  -h, --help        This help`;

/** What each target takes: --scope is Claude Code's, and the OAuth connector has no token. */
const FLAGS_OF: Readonly<Record<(typeof TARGETS)[number], readonly string[]>> = {
  'claude-code': ['url', 'config', 'client', 'token-env', 'scope'],
  'messages-api': ['url', 'config', 'client', 'token-env'],
  desktop: ['url', 'config', 'client'],
  'claude-ai': ['url', 'config'],
};

/** `toolgate connect claude-code|messages-api|desktop|claude-ai --url URL [--client C] [--token-env VAR]`. */
export async function runConnectCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGE,
    positionals: true,
    options: {
      config: { type: 'string' },
      url: { type: 'string' },
      client: { type: 'string' },
      'token-env': { type: 'string' },
      scope: { type: 'string' },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [surface] = positionals;
  if (!surface || !TARGETS.includes(surface as (typeof TARGETS)[number])) {
    return usageError(io, USAGE, surface ? `Unknown target "${surface}".` : `Name a target: ${TARGETS.join(', ')}.`);
  }
  if (positionals[1] !== undefined) return usageError(io, USAGE, `Unexpected argument "${positionals[1]}".`);
  const notTaken = flagNotTaken(values, FLAGS_OF[surface as (typeof TARGETS)[number]], `connect ${surface}`);
  if (notTaken) return usageError(io, USAGE, notTaken);
  if (!values.url) return usageError(io, USAGE, '--url is required: the URL clients will use.');
  const urlProblem = badUrl(values.url);
  if (urlProblem) return usageError(io, USAGE, urlProblem);
  if (surface !== 'claude-code' && !values.url.startsWith('https://')) {
    // The connector calls the server from Anthropic's network and accepts https URLs only. Desktop's
    // custom connectors are Claude.ai's: they connect from the cloud too, not from the desktop.
    io.stderr.write(
      `warning: the ${surface === 'messages-api' ? 'Messages API MCP' : 'Claude.ai / Desktop custom'} connector accepts only ` +
        `https:// URLs reachable from Anthropic's network; ` +
        `${values.url} will be refused. Put the gateway behind TLS on a public host first.\n`,
    );
  }
  // The name is pasted into shell lines (`${NAME}` inside quotes) and JSON: anything but a
  // variable name printed `Bearer ${}`, or a quote that ended the printed command (outside probe).
  const tokenEnv = values['token-env'];
  if (tokenEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv))
    return usageError(
      io,
      USAGE,
      `--token-env must be an environment variable name (letters, digits and _, not starting with a digit); got ${JSON.stringify(tokenEnv)}.`,
    );
  // Checked before the config is loaded, so a bad value is named even where no config is found.
  const scope = values.scope ?? 'local';
  if (!['local', 'project', 'user'].includes(scope))
    return usageError(
      io,
      USAGE,
      '--scope must be local, project or user (project writes a shared .mcp.json that teammates must approve).',
    );
  const { config, path } = await loadConfig(values.config, process.cwd(), io.env);
  if (surface === 'claude-ai') {
    const steps = await claudeAiConnector(values.url, config, undefined, (line) => io.stderr.write(`${line}\n`));
    io.stdout.write(`${steps.join('\n')}\n`);
    return 0;
  }
  const client = values.client ?? Object.keys(config.toolsets ?? {})[0] ?? '*';
  const tools = config.toolsets?.[client] ?? (config.toolsets ? [] : config.tools.map((t) => t.name));
  if (tools.length === 0)
    return usageError(
      io,
      USAGE,
      `Client "${client}" has no tools in ${path}; pick one of: ${Object.keys(config.toolsets ?? {}).join(', ')}.`,
    );
  const input = {
    url: values.url,
    client,
    tools,
    tokenEnv: values['token-env'] ?? 'TOOLGATE_TOKEN',
    configPath: path,
    scope: scope as 'local' | 'project' | 'user',
  };
  const out: string[] = [];
  if (surface === 'claude-code') {
    const cc = claudeCodeConfig(input);
    out.push(
      `# Remote (HTTP), ${scope} scope — the token stays in your environment:`,
      cc.httpCommand,
      '',
      '# Local (stdio), user scope:',
      cc.stdioCommand,
      '',
      '# Or commit this .mcp.json (placeholders only, never a literal secret):',
      JSON.stringify(cc.mcpJson, null, 2),
    );
  } else if (surface === 'messages-api') {
    const request = messagesApiRequest(input);
    out.push(
      `# POST https://api.anthropic.com/v1/messages — toolset of "${client}": ${tools.join(', ')}`,
      '# Headers:',
      JSON.stringify(request.headers, null, 2),
      '# Body:',
      JSON.stringify(request.body, null, 2),
      '',
      ...CONNECTOR_NOTES.map((n) => `# ${n}`),
    );
  } else {
    out.push(
      `Remote MCP URL: ${input.url.replace(/\/+$/, '')}/mcp`,
      `Tools exposed to "${client}": ${tools.join(', ')}`,
      '',
      ...DESKTOP_NOTES.map((n) => `- ${n}`),
    );
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
