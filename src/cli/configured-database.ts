import { envSetting } from '../config/env.js';
import { configFileIn, loadConfig, resolveSettings } from '../config/load-config.js';
import { isPostgresUrl } from '../store/open-store.js';
import { usageError, type CliIo } from './args.js';
import { whatWentWrong } from './failure-line.js';

/**
 * The database `serve` would use: the environment's, else the config's (`--config`, TOOLGATE_CONFIG
 * or a toolgate.config.* here, when there is one), else the default. `audit` and `backup` look
 * for it this way; `audit` ignored the config once, so where `serve` and `approvals` read the
 * config's file, `audit verify` said there was no database.
 */
export async function configuredDatabase(explicitConfig: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = envSetting(env, 'TOOLGATE_DATABASE_URL') ?? envSetting(env, 'TOOLGATE_DB');
  if (fromEnv) return fromEnv;
  if (!explicitConfig && !configFileIn(process.cwd(), env)) return '.toolgate/toolgate.db';
  const { config } = await loadConfig(explicitConfig, process.cwd(), env);
  return resolveSettings(config, env).database;
}

/**
 * `--db` and `--config` both say where the database is; given together, `--config` was ignored
 * without a word, even a file that does not exist. A usage-error message, or null.
 */
export function bothWheres(values: { readonly db?: string | undefined; readonly config?: string | undefined }) {
  return values.db !== undefined && values.config !== undefined
    ? '--db and --config both say where the database is; give one of them.'
    : null;
}

/**
 * The SQLite database a file-level command (`backup`, `restore`) works on: `--db`, else as
 * `serve` finds it. An exit code, with the reason printed, when it cannot be found or is
 * PostgreSQL (`postgresTool` is what to use there instead).
 */
export async function configuredSqliteDatabase(
  command: string,
  values: { readonly db?: string | undefined; readonly config?: string | undefined },
  io: CliIo,
  usage: string,
  postgresTool: string,
): Promise<string | 2> {
  const both = bothWheres(values);
  if (both) return usageError(io, usage, both);
  let database: string;
  try {
    database = values.db ?? (await configuredDatabase(values.config, io.env));
  } catch (error) {
    io.stderr.write(`toolgate ${command}: ${whatWentWrong(error)}\n`);
    return 2;
  }
  if (!isPostgresUrl(database)) return database;
  return usageError(io, usage, `The database is PostgreSQL: ${postgresTool} (this command works on SQLite files).`);
}
