import type { ToolgateConfig } from '../config/define-config.js';
import { loadConfig, resolveSettings } from '../config/load-config.js';
import { noCredentials, whereToSet } from '../credentials/provider.js';
import { createLogger } from '../log/logger.js';
import { startServer } from '../server/start-server.js';
import { describeDatabase } from '../store/open-store.js';
import { parseCommand, type CliIo } from './args.js';

const USAGE = `Usage: toolgate serve [--config FILE] [--read-only]

Serves the toolset over Streamable HTTP: /mcp, /healthz, /readyz, /metrics, /console, /api.
Stops on SIGINT/SIGTERM after finishing in-flight calls and flushing the audit log.

Options:
  --config FILE   toolgate.config.{ts,js,mjs} (default: TOOLGATE_CONFIG or ./toolgate.config.ts)
  --read-only     Switch every write action off (also TOOLGATE_READ_ONLY=true or readOnly: true)
  -h, --help      This help

Environment: PORT, HOST, TOOLGATE_CONFIG, TOOLGATE_DB, TOOLGATE_DATABASE_URL, TOOLGATE_AUDIT_KEY,
TOOLGATE_AUDIT_ANCHOR (SEQ:HASH from the last checkpoint line; checked at start),
TOOLGATE_CURSOR_KEY, TOOLGATE_PUBLIC_URL, TOOLGATE_ALLOWED_HOSTS, TOOLGATE_ALLOWED_ORIGINS,
TOOLGATE_TRUST_PROXY, TOOLGATE_DRAIN_MS, TOOLGATE_DATABASE_POOL, TOOLGATE_READ_ONLY, TOOLGATE_FAST_PATH,
TOOLGATE_LOG_LEVEL`;

/** `toolgate serve [--config FILE]`: /mcp, /healthz, /readyz, /metrics until SIGINT/SIGTERM. */
export async function runServeCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGE,
    options: { config: { type: 'string' }, 'read-only': { type: 'boolean' } },
  });
  if (typeof parsed === 'number') return parsed;
  const loaded = await loadConfig(parsed.values.config, process.cwd(), io.env);
  const path = loaded.path;
  // --read-only (or TOOLGATE_READ_ONLY=true, applied by loadConfig): every write action off (issue #16).
  const config = parsed.values['read-only'] ? { ...loaded.config, readOnly: true } : loaded.config;
  const logger = createLogger(io.env.TOOLGATE_LOG_LEVEL || undefined);
  const server = await startServer(config, io.env, logger);
  const database = describeDatabase(resolveSettings(config, io.env).database);
  // The first line is what scripts (and test/fault/serve-process.ts) read the URL from: kept as is.
  io.stderr.write(`toolgate serving ${config.tools.length} tools from ${path} at ${server.url}/mcp\n`);
  io.stderr.write(`audit log: ${database}\n`);
  if (config.readOnly) io.stderr.write('read-only: write actions are switched off (not listed, not run).\n');
  if ((config.server?.tokens ?? []).length === 0)
    io.stderr.write('warning: no bearer tokens configured; every /mcp request will get 401.\n');
  for (const line of missingCredentials(config)) io.stderr.write(`warning: ${line}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.stderr.write(`${signal}: finishing in-flight calls and flushing the audit log…\n`);
      void server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/**
 * Credentials the tools declare that have no value here: each such tool answers every call with
 * `upstream_unavailable` ("not configured in this environment"), and before this warning only
 * the audit row said why.
 */
export function missingCredentials(config: ToolgateConfig): string[] {
  const credentials = config.credentials ?? noCredentials;
  const users = new Map<string, string[]>();
  // A read-only gateway neither lists nor runs write actions (issue #16): their credentials are not needed.
  const served = config.tools.filter((tool) => !(config.readOnly && tool.action));
  for (const tool of served)
    for (const name of tool.credentials ?? [])
      if (credentials.get(name) === undefined) users.set(name, [...(users.get(name) ?? []), tool.name]);
  return [...users].map(
    ([name, tools]) =>
      `credential ${name} has no value in this environment${whereToSet(credentials, name)}; ` +
      `${tools.join(', ')} will fail with upstream_unavailable where ${tools.length > 1 ? 'they use' : 'it uses'} it.`,
  );
}
