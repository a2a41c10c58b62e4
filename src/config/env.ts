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
