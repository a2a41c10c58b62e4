import { sha256 as digest } from '../util/sha256.js';
import { ConfigError } from '../errors/config-error.js';
import { GATEWAY_ACTORS, type Principal } from './principal.js';

/** One accepted bearer token and who it stands for. */
export interface StaticToken {
  /** The token value; read it from the environment, never commit it. */
  readonly token: string;
  readonly principal: Principal;
  /** The client whose toolset this token sees, e.g. `claude_code` or `api_connector`. */
  readonly client: string;
  /**
   * An approver credential for /api and the console. Kept apart from model clients: such a token
   * is refused on /mcp, and a token without it is refused on the approval endpoints.
   */
  readonly canApprove?: boolean;
}

export interface Authenticated {
  readonly principal: Principal;
  readonly client: string;
  readonly canApprove: boolean;
}

/**
 * Static bearer tokens (development and single-team deployments). Tokens are kept as SHA-256
 * digests and looked up by digest, so a lookup takes the same time whatever the token, and the
 * values themselves are not held in a map anyone could dump.
 */
/** Looks up a bearer header; `byDigest` looks up by SHA-256 digest (a console session keeps only that). */
export interface StaticTokenLookup {
  (authorization: string | undefined | null): Authenticated | null;
  /** Who the token with this digest stands for while it is configured; null once it is removed. */
  byDigest(tokenDigest: string): Authenticated | null;
}

export function staticTokenAuthenticator(tokens: readonly StaticToken[]): StaticTokenLookup {
  const byDigest = new Map<string, Authenticated>();
  for (const entry of tokens) {
    if (GATEWAY_ACTORS.has(entry.principal.actorId)) {
      throw new TypeError(
        `${entry.principal.actorId} is a name the gateway records its own acts under; give the token another actorId.`,
      );
    }
    // A token read from an unset variable crashed `serve` ("reading 'length'", exit 1; outside
    // probe). Refused here, where tokens are used: `check` in CI loads the same config unset.
    if (typeof entry.token !== 'string' || entry.token === '')
      throw new ConfigError(
        `The token for ${entry.principal.actorId} (client ${entry.client}) is not set: if the config reads it from ` +
          'an environment variable, set that variable.',
      );
    if (entry.token.length < 16) {
      throw new ConfigError(
        `The token for ${entry.principal.actorId} is shorter than 16 characters; use a long random value.`,
      );
    }
    byDigest.set(digest(entry.token), {
      principal: entry.principal,
      client: entry.client,
      canApprove: entry.canApprove === true,
    });
  }
  const lookup = (authorization: string | undefined | null) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) return null;
    return byDigest.get(digest(match[1])) ?? null;
  };
  return Object.assign(lookup, { byDigest: (tokenDigest: string) => byDigest.get(tokenDigest) ?? null });
}
