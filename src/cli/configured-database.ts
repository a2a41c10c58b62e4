import { envSetting } from '../config/env.js';
import { configFileIn, loadConfig, resolveSettings } from '../config/load-config.js';

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
