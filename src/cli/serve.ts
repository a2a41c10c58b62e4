import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../log/logger.js';
import { startServer } from '../server/start-server.js';
import type { CliIo } from './audit.js';

/** `toolgate serve [--config FILE]`: /mcp, /healthz, /readyz, /metrics until SIGINT/SIGTERM. */
export async function runServeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } } });
  const { config, path } = await loadConfig(values.config);
  const logger = createLogger(io.env.TOOLGATE_LOG_LEVEL);
  const server = await startServer(config, io.env, logger);
  io.stderr.write(`toolgate serving ${config.tools.length} tools from ${path} at ${server.url}/mcp\n`);
  if ((config.server?.tokens ?? []).length === 0) io.stderr.write('warning: no bearer tokens configured; every /mcp request will get 401.\n');
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
