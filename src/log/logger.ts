import { pino, type Logger } from 'pino';
import { ConfigError } from '../errors/config-error.js';

/**
 * The gateway's logger: JSON lines on stderr. Stdout is never used, because in stdio mode it is
 * the MCP protocol channel. Level from TOOLGATE_LOG_LEVEL (default `info`; `silent` in tests).
 */
export function createLogger(level = process.env.TOOLGATE_LOG_LEVEL || 'info'): Logger {
  // pino's own refusal ("default level:loud must be included in custom levels") names neither
  // the variable nor the levels.
  const levels = [...Object.keys(pino.levels.values), 'silent'];
  if (!levels.includes(level))
    throw new ConfigError(`TOOLGATE_LOG_LEVEL must be one of ${levels.join(', ')} (got "${level}").`);
  return pino({ level, base: { service: 'toolgate' } }, pino.destination({ dest: 2, sync: false }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
