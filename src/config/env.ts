import { ConfigError } from '../errors/config-error.js';

/**
 * An environment variable as a setting: unset, empty or only spaces all mean "not set", so the
 * next source (the config file, the default) applies. Before, `TOOLGATE_DB=` counted as a
 * database named "" (every call unavailable, a file named `-rates` in the working directory), and
 * an empty `TOOLGATE_DATABASE_URL` hid a valid `TOOLGATE_DB`.
 */
export function envSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

const YES = ['true', '1', 'yes', 'on'];
const NO = ['false', '0', 'no', 'off'];

/**
 * An on/off environment variable: true/1/yes/on or false/0/no/off, in any case; unset or empty
 * is `fallback`. Anything else is refused, naming the variable: before, only the exact string
 * `true` counted, so `TOOLGATE_READ_ONLY=1` silently left every write action on.
 */
export function envFlag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = envSetting(env, name)?.trim().toLowerCase();
  if (value === undefined) return fallback;
  if (YES.includes(value)) return true;
  if (NO.includes(value)) return false;
  throw new ConfigError(`${name} must be one of ${[...YES, ...NO].join(', ')} (got "${env[name]}").`);
}
