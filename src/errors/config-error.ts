/**
 * A configuration that cannot be used: no config file, one that does not load, a bad environment
 * variable. The CLI exits 2 for it, as for any usage error; exit 1 stays what each command says it
 * means (a failing gate, a breaking contract change, a tampered log), which a missing
 * `--config` looked like before.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
