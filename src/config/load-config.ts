import { existsSync } from 'node:fs';
import { GATEWAY_ACTORS } from '../auth/principal.js';
import type { CredentialProvider } from '../credentials/provider.js';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors/config-error.js';
import { envFlag, envSetting } from './env.js';
import { loadFailure } from './load-failure.js';
import type { ToolgateConfig } from './define-config.js';
import { configProblems } from './config-problems.js';
import { isPostgresUrl } from '../store/database-url.js';
import { parseAnchor } from '../audit/anchor-text.js';

const CANDIDATES = ['toolgate.config.ts', 'toolgate.config.js', 'toolgate.config.mjs'];

/** The config file `loadConfig` would load without an explicit path, if there is one. */
export function configFileIn(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  const named = envSetting(env, 'TOOLGATE_CONFIG');
  return named ? resolve(cwd, named) : CANDIDATES.map((c) => resolve(cwd, c)).find((c) => existsSync(c));
}

/** Loads `--config FILE`, else TOOLGATE_CONFIG, else the first toolgate.config.{ts,js,mjs} in the working directory. */
export async function loadConfig(
  explicit: string | undefined,
  cwd = process.cwd(),
  env = process.env,
): Promise<{ config: ToolgateConfig; path: string }> {
  const file = explicit ? resolve(cwd, explicit) : configFileIn(cwd, env);
  if (!file)
    throw new ConfigError(
      `No toolgate.config.ts found in ${cwd}. Pass --config FILE or create one (see README, "Defining a tool").`,
    );
  if (!existsSync(file)) throw new ConfigError(`Config file ${file} does not exist.`);
  // An error while loading names the file and, for a syntax error, the line: before, it said only
  // "Unexpected end of input" or the thrown message.
  const config = (
    await importConfig(file).catch((error: unknown) => {
      throw new ConfigError(loadFailure(file, error), { cause: error });
    })
  ).default;
  if (!config || !Array.isArray(config.tools)) {
    throw new ConfigError(`${file} must \`export default defineConfig({ tools: [...] })\`.`);
  }
  // A plain object here failed later as "credentials.values is not a function" (outside probe).
  const credentials = config.credentials as Partial<CredentialProvider> | null | undefined;
  if (
    credentials !== undefined &&
    (typeof credentials !== 'object' ||
      credentials === null ||
      typeof credentials.get !== 'function' ||
      typeof credentials.values !== 'function')
  ) {
    throw new ConfigError(
      `${file}: credentials must come from envCredentials({ name: 'ENV_VAR' }) or staticCredentials(…), not a plain object.`,
    );
  }
  // What TypeScript would have refused, for the configs it never checks (config-problems.ts).
  // First: the checks below read principals' fields (a token without one crashed there; review).
  const problems = configProblems(config);
  if (problems.length > 0) throw new ConfigError(`${file}: ${problems.join('; ')}.`);
  // The gateway's own names are not for people or tokens: the audit would credit the gateway.
  const taken = [...(config.approvers ?? []), ...(config.server?.tokens ?? []).map((t) => t.principal)].find((p) =>
    GATEWAY_ACTORS.has(p.actorId),
  );
  if (taken) throw new ConfigError(`${file}: ${taken.actorId} is a name the gateway records its own acts under.`);
  // Issue #16: TOOLGATE_READ_ONLY=true switches every write action off, whatever the file says.
  return { config: envFlag(env, 'TOOLGATE_READ_ONLY', false) ? { ...config, readOnly: true } : config, path: file };
}

/**
 * Imports a config module. JavaScript (and TypeScript when a loader such as tsx is already
 * registered) loads natively, so it shares this process's module instances; plain Node meeting a
 * `.ts` file falls back to jiti, which compiles it on the fly and still loads packages natively.
 */
async function importConfig(file: string): Promise<{ default?: ToolgateConfig }> {
  try {
    return (await import(pathToFileURL(file).href)) as { default?: ToolgateConfig };
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { tryNative: true, moduleCache: true });
  return jiti.import<{ default?: ToolgateConfig }>(file);
}

/** Settings after environment overrides, so one config file serves every environment. */
export function resolveSettings(config: ToolgateConfig, env: NodeJS.ProcessEnv) {
  const get = (name: string) => envSetting(env, name);
  const list = (value: string | undefined) =>
    value
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  // Digits only: Number() also reads "0x4968" and "1e3", which no one means as a port.
  const portText = get('PORT')?.trim();
  const port = portText === undefined ? (config.server?.port ?? 8787) : /^\d+$/.test(portText) ? Number(portText) : NaN;
  const badPort =
    !Number.isInteger(port) || port < 0 || port > 65_535
      ? `PORT must be an integer 0–65535 (got "${get('PORT')}").`
      : null;
  const publicUrl = get('TOOLGATE_PUBLIC_URL') ?? config.publicUrl ?? null;
  const badPublicUrl =
    publicUrl === null || (/^https?:\/\/[^/]/i.test(publicUrl) && URL.canParse(publicUrl))
      ? null
      : `${get('TOOLGATE_PUBLIC_URL') ? 'TOOLGATE_PUBLIC_URL' : 'publicUrl'} must be an http(s) URL such as https://toolgate.example.com (got "${publicUrl}").`;
  const drainMs = Number(get('TOOLGATE_DRAIN_MS') ?? config.server?.drainMs ?? 10_000);
  if (!Number.isInteger(drainMs) || drainMs < 0)
    throw new ConfigError(
      `TOOLGATE_DRAIN_MS must be a whole number of milliseconds (got "${get('TOOLGATE_DRAIN_MS')}").`,
    );
  // Connections each instance may hold to PostgreSQL (pg's pool `max`); unset, 10. A fleet of N
  // instances holds up to N times this, which the server's max_connections must allow.
  const poolText = get('TOOLGATE_DATABASE_POOL')?.trim();
  const databasePool = poolText === undefined ? undefined : /^\d+$/.test(poolText) ? Number(poolText) : NaN;
  if (databasePool !== undefined && !(databasePool >= 1 && databasePool <= 1_000))
    throw new ConfigError(
      `TOOLGATE_DATABASE_POOL must be a whole number of connections, 1–1000 (got "${get('TOOLGATE_DATABASE_POOL')}").`,
    );
  // The last anchor kept off the machine (the stop's checkpoint line): serve checks the log still
  // holds it, so a cut made while no gateway ran is logged at start (outside probe).
  const anchorText = get('TOOLGATE_AUDIT_ANCHOR');
  const auditAnchor = anchorText === undefined ? undefined : parseAnchor(anchorText, 'TOOLGATE_AUDIT_ANCHOR');
  if (typeof auditAnchor === 'string') throw new ConfigError(auditAnchor);
  const database = get('TOOLGATE_DATABASE_URL') ?? get('TOOLGATE_DB') ?? config.database ?? '.toolgate/toolgate.db';
  // A URL of another scheme was opened as a SQLite path (`mysql://x` made a `mysql:` folder and
  // served from it; outside probe). Only the scheme is quoted: the rest may hold a password.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(database)?.[1];
  if (scheme !== undefined && !isPostgresUrl(database)) {
    const source = get('TOOLGATE_DATABASE_URL')
      ? 'TOOLGATE_DATABASE_URL'
      : get('TOOLGATE_DB')
        ? 'TOOLGATE_DB'
        : 'database';
    throw new ConfigError(
      `${source} is a ${scheme}:// URL; Toolgate stores in PostgreSQL (postgres:// or postgresql://) or a SQLite file path.`,
    );
  }
  return {
    database,
    databasePool,
    auditKey: get('TOOLGATE_AUDIT_KEY'),
    auditAnchor,
    cursorKey: get('TOOLGATE_CURSOR_KEY'),
    /** Checked where it is read (serve reads it before it opens anything); a bad one is named. */
    get publicUrl(): string | null {
      if (badPublicUrl) throw new ConfigError(badPublicUrl);
      return publicUrl;
    },
    /** Checked where a port is bound (serve), not by commands that never listen (check, stdio). */
    get port(): number {
      if (badPort) throw new ConfigError(badPort);
      return port;
    },
    host: get('HOST') ?? config.server?.host ?? '127.0.0.1',
    allowedHosts: list(get('TOOLGATE_ALLOWED_HOSTS')) ??
      config.server?.allowedHosts ?? ['localhost', '127.0.0.1', '[::1]'],
    allowedOrigins: list(get('TOOLGATE_ALLOWED_ORIGINS')) ??
      config.server?.allowedOrigins ?? ['localhost', '127.0.0.1', '[::1]'],
    maxBodyBytes: config.server?.maxBodyBytes ?? 1_048_576,
    trustProxy: envFlag(env, 'TOOLGATE_TRUST_PROXY', config.server?.trustProxy ?? false),
    drainMs,
    // The node:http fast path for POST /mcp (issue #15); off serves everything through the SDK.
    fastPath: envFlag(env, 'TOOLGATE_FAST_PATH', config.server?.fastPath ?? true),
  };
}
