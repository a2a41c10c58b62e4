/**
 * The `auth` block of `toolgate.config.ts`: how the gateway acts as an OAuth 2.1 resource server.
 * Static bearer tokens stay in `server.tokens`; both can be on at once. This file only declares
 * the shape and its defaults; jwt.ts, introspection.ts and authenticator.ts do the work.
 */

/** Where each Principal field is read from in a token's claims. Dotted paths reach nested claims. */
export interface ClaimNames {
  /** Default `sub`. */
  readonly subject?: string;
  /** First present wins. Default `['azp', 'client_id']`. */
  readonly clientId?: string | readonly string[];
  /** Default `tenant`. Keycloak-style nesting works: `org.tenant`. */
  readonly tenant?: string;
  /** A string array or space-separated string. Default `roles`; Keycloak: `realm_access.roles`. */
  readonly roles?: string;
  /** A space-separated string (`scope`, RFC 9068) or an array (`scp`). First present wins. */
  readonly scopes?: string | readonly string[];
}

export interface JwtAuthConfig {
  /** The authorization server's issuer identifier; tokens must carry exactly this `iss`. */
  readonly issuer: string;
  /**
   * Accepted `aud` values. Default: the resource URL (`auth.resource`). RFC 8707: a token minted
   * for another resource is refused.
   */
  readonly audience?: string | readonly string[];
  /** The JWKS URL. Default: `jwks_uri` from the issuer's metadata (fetched once, then cached). */
  readonly jwksUri?: string;
  /** Asymmetric algorithms only (`none` and `HS*` are refused at startup). Default RS/PS/ES/EdDSA. */
  readonly algorithms?: readonly string[];
  /** Leeway for `exp`/`nbf`/`iat` between our clock and the issuer's. Default 30 s, at most 300 s. */
  readonly clockToleranceSec?: number;
  /** How long one JWKS or metadata fetch may take before the request gets 503. Default 3000 ms. */
  readonly jwksTimeoutMs?: number;
  /** After a JWKS fetch, an unknown `kid` waits this long before the next fetch. Default 30 s. */
  readonly jwksCooldownSec?: number;
  /** A fetched key set is trusted this long before it is fetched again. Default 600 s. */
  readonly jwksCacheSec?: number;
  /**
   * While the IdP cannot be reached, keep verifying with the last key set it served for up to this
   * long after that fetch (stale-if-error). Default 3600 s; 0 refuses (503) as soon as the cached
   * set is older than `jwksCacheSec`. Tokens must still be unexpired and signed by a known key.
   */
  readonly jwksStaleIfErrorSec?: number;
  /**
   * A verified token is not verified again for this long (never past its `exp`), while the key
   * set that verified it is still current: a signature check costs more than the rest of a call.
   * Default 60 s; 0 verifies every request.
   */
  readonly cacheSec?: number;
  /** Require this JOSE `typ`, e.g. `at+jwt` (RFC 9068). Unset: any (Entra and Keycloak send `JWT`). */
  readonly typ?: string;
  readonly claims?: ClaimNames;
}

export interface IntrospectionAuthConfig {
  /** The RFC 7662 endpoint, e.g. `https://idp.example.com/oauth2/introspect`. */
  readonly endpoint: string;
  /** This gateway's own client credentials at the authorization server (client_secret_basic). */
  readonly clientId: string;
  /** Read it from the environment, never commit it. */
  readonly clientSecret: string;
  /** Expected `iss` in the introspection answer, when the server returns one. */
  readonly issuer?: string;
  /** Accepted `aud` values. Default: the resource URL. An answer without `aud` is refused. */
  readonly audience?: string | readonly string[];
  /** How long an answer is reused (never past the token's `exp`). Default 60 s; 0 turns caching off. */
  readonly cacheSec?: number;
  /** Default 3000 ms; a slower endpoint answers 503. */
  readonly timeoutMs?: number;
  readonly claims?: ClaimNames;
}

export interface AuthConfig {
  /**
   * This server's canonical resource URL (RFC 8707 §2, RFC 9728 `resource`): what clients put in
   * `resource=` and what tokens carry in `aud`. Default `<publicUrl>/mcp`.
   */
  readonly resource?: string;
  /** Shown by clients when they ask the user to authorize. Default `Toolgate`. */
  readonly resourceName?: string;
  /** RFC 9728 `authorization_servers`. Default `[jwt.issuer]` (or `[introspection.issuer]`). */
  readonly authorizationServers?: readonly string[];
  /**
   * RFC 9728 `scopes_supported`, also the `scope` of a 401 challenge: what a client should ask for
   * first. Default: every scope a tool of the OAuth toolset (`client`) needs.
   */
  readonly scopesSupported?: readonly string[];
  /** The toolset (see `toolsets`) OAuth callers get. Default `oauth`; `'*'` covers it if unlisted. */
  readonly client?: string;
  /** Tenant for tokens without a tenant claim. Without it such tokens are refused. */
  readonly defaultTenant?: string;
  /**
   * Holders of this role may use the approvals API (/api) with their token — and, like static
   * approver tokens, are kept off /mcp (separation of duties). Unset: OAuth tokens never approve.
   */
  readonly approverRole?: string;
  /**
   * The scope an OAuth token must also carry on the approvals API (default `toolgate:approve`):
   * the role says who the person is, the scope that they let this client approve for them.
   */
  readonly approveScope?: string;
  readonly jwt?: JwtAuthConfig;
  readonly introspection?: IntrospectionAuthConfig;
}

export const DEFAULT_APPROVE_SCOPE = 'toolgate:approve';

export const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/**
 * RFC 8725 §3.1 (JWT BCP): "Libraries MUST enable the caller to specify a supported set of
 * algorithms and MUST NOT use any other algorithms" — and a resource server that verifies with an
 * issuer's public keys must never accept `none` or an HMAC (`HS*`): an HMAC "signed" with the
 * public key would verify for anyone who can read the JWKS.
 */
export function checkedAlgorithms(configured: readonly string[] | undefined): string[] {
  const algorithms = [...(configured ?? DEFAULT_ALGORITHMS)];
  const refused = algorithms.filter((alg) => !(DEFAULT_ALGORITHMS as readonly string[]).includes(alg));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new TypeError(
      `auth.jwt.algorithms may list only asymmetric algorithms (${DEFAULT_ALGORITHMS.join(', ')}); ` +
        `remove ${refused.join(', ') || '(empty list)'}.`,
    );
  }
  return algorithms;
}

export const asList = (value: string | readonly string[] | undefined, fallback: readonly string[]): string[] =>
  value === undefined ? [...fallback] : typeof value === 'string' ? [value] : [...value];

/** The client name (and so the toolset) OAuth callers act as: `auth.client`, else `oauth`. */
export const oauthClientOf = (auth: Pick<AuthConfig, 'client'> | undefined): string => auth?.client ?? 'oauth';
