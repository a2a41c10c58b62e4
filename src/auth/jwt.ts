import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwksCache,
  jwtVerify,
  type ExportedJWKSCache,
  type JWKSCacheInput,
  type JWTVerifyGetKey,
} from 'jose';
import { checkedAlgorithms, type JwtAuthConfig } from './auth-config.js';
import type { Claims } from './claims.js';
import { discoverJwksUri } from './issuer-metadata.js';
import { createTokenCache } from './token-cache.js';

/**
 * JWT access-token verification on `jose` against the issuer's JWKS. The key set is fetched on
 * first use, cached, and fetched again when a token names an unknown `kid` (after a cooldown, so
 * a flood of made-up kids cannot hammer the IdP): keys rotate without a restart. Every fetch has
 * a timeout, so an unreachable IdP gives a clear `unavailable`, never a hung request.
 */
export type TokenCheck =
  | { readonly ok: true; readonly claims: Claims }
  | {
      readonly ok: false;
      /** `invalid`: the token is bad (401). `unavailable`: we could not check it (503). */
      readonly kind: 'invalid' | 'unavailable';
      /** Precise, for the audit log. */
      readonly reason: string;
      /** What the client is told. */
      readonly description: string;
      /** `unavailable` only: when to try again, if known (default 5 s). */
      readonly retryAfterSec?: number | undefined;
      /**
       * The token's claims when its signature checked out and a claim did not (exp, nbf, aud, iss,
       * typ: jose checks them after the signature), so they are the issuer's: the refusal's audit
       * event can name who it was.
       */
      readonly claims?: Claims;
    };

export function createJwtVerifier(
  config: JwtAuthConfig,
  audience: readonly string[],
): (token: string) => Promise<TokenCheck> {
  const algorithms = checkedAlgorithms(config.algorithms);
  const clockTolerance = Math.min(Math.max(config.clockToleranceSec ?? 30, 0), 300);
  const timeoutMs = config.jwksTimeoutMs ?? 3_000;
  const keySetMaxAgeMs = (config.jwksCacheSec ?? 600) * 1000;
  const rememberMs = Math.max(0, config.cacheSec ?? 60) * 1000;
  // jose records each successful JWKS fetch here (keys and time): the stale-if-error fallback and
  // the verified-token cache read it.
  const fetched: Partial<ExportedJWKSCache> = {};
  const verified = createTokenCache<{ readonly check: TokenCheck; readonly keysFetchedAt: number }>();
  let keys: JWTVerifyGetKey | undefined;

  async function keySet(): Promise<JWTVerifyGetKey> {
    if (keys) return keys;
    const uri = config.jwksUri ?? (await discoverJwksUri(config.issuer, timeoutMs));
    const cooldownMs = (config.jwksCooldownSec ?? 30) * 1000;
    const remote = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: timeoutMs,
      cooldownDuration: cooldownMs,
      cacheMaxAge: keySetMaxAgeMs,
      [jwksCache]: fetched as JWKSCacheInput,
    });
    keys = staleIfError(
      unknownKeyWhileCooling(remote, fetched, cooldownMs),
      fetched,
      (config.jwksStaleIfErrorSec ?? 3_600) * 1000,
      cooldownMs,
    );
    return keys;
  }

  /**
   * A signature check costs ~170-210 µs (RS256, ES256), three times the rest of a call (issue #15),
   * and a client sends the same token for minutes. A verified token is remembered for `cacheSec`,
   * never past its `exp` (plus the clock tolerance jose allows), and only while the key set that
   * verified it is still the current one and not yet due for a refetch: once the JWKS is fetched
   * again (an unknown `kid`, or its age), every token is verified against the new set. So a
   * withdrawn key is refused exactly when it would be without the cache. Refusals are not
   * remembered: a token that is not valid yet (`nbf`) or met an IdP outage is checked again.
   */
  function remembered(token: string, now: number): TokenCheck | undefined {
    const hit = rememberMs > 0 ? verified.get(token, now) : undefined;
    if (!hit || hit.keysFetchedAt !== fetched.uat || now - hit.keysFetchedAt > keySetMaxAgeMs) return undefined;
    return hit.check;
  }

  function remember(token: string, check: TokenCheck, exp: number, keysFetchedAt: number, now: number): void {
    if (rememberMs === 0) return;
    verified.set(token, { check, keysFetchedAt }, Math.min(now + rememberMs, (exp + clockTolerance) * 1000), now);
  }

  return async (token) => {
    const now = Date.now();
    const known = remembered(token, now);
    if (known) return known;
    const keysBefore = fetched.uat;
    try {
      const { payload } = await jwtVerify(token, await keySet(), {
        // RFC 8725 §3.1: verify only with the algorithms we allow — never `none`, never HS*.
        algorithms,
        // OAuth 2.1 §5.2 / RFC 9068 §4: "The resource server MUST validate that the iss claim
        // exactly matches the issuer identifier of the authorization server".
        issuer: config.issuer,
        // RFC 8707 §2 and MCP authorization, "Token Handling": servers "MUST validate that access
        // tokens were issued specifically for them as the intended audience".
        audience: [...audience],
        // RFC 7519 §4.1.4/§4.1.5: exp and nbf, with "some small leeway ... to account for clock skew".
        clockTolerance,
        // A token that never expires is refused: every access token must carry exp.
        requiredClaims: ['exp', 'iss', 'aud'],
        ...(config.typ ? { typ: config.typ } : {}),
      });
      // RFC 7519 §4.1.6: iat is "the time at which the JWT was issued"; one later than now (past the
      // leeway) is a clock gone wrong at the issuer or a token not minted by it. jose checks it only
      // with maxTokenAge, which would also make iat required (outside probe: +1 day was accepted).
      if (typeof payload.iat === 'number' && payload.iat > now / 1000 + clockTolerance)
        return {
          ...invalid('jwt issued in the future (iat)', 'The access token says it was issued in the future.'),
          claims: payload as Claims,
        };
      const check: TokenCheck = { ok: true, claims: payload as Claims };
      // Only when no fetch finished meanwhile is `keysBefore` surely the set that verified it.
      if (keysBefore !== undefined && fetched.uat === keysBefore) remember(token, check, payload.exp!, keysBefore, now);
      return check;
    } catch (error) {
      const check = classify(error);
      const payload = (error as { payload?: unknown }).payload;
      const claimCheck = ['ERR_JWT_EXPIRED', 'ERR_JWT_CLAIM_VALIDATION_FAILED'].includes(
        (error as { code?: string }).code ?? '',
      );
      return claimCheck && payload && typeof payload === 'object' ? { ...check, claims: payload as Claims } : check;
    }
  };
}

const invalid = (reason: string, description: string): TokenCheck => ({
  ok: false,
  kind: 'invalid',
  reason,
  description,
});

/** jose's error codes → why, for the audit, and what the client should do. */
function classify(error: unknown): TokenCheck {
  const code = (error as { code?: string }).code;
  const claim = (error as { claim?: string }).claim;
  const message = (error as Error).message ?? String(error);
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return invalid('jwt expired (exp)', 'The access token has expired; get a new one.');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'aud')
        return invalid('jwt audience mismatch (aud)', 'The access token was issued for another resource.');
      if (claim === 'iss')
        return invalid('jwt issuer mismatch (iss)', 'The access token comes from an unknown issuer.');
      if (claim === 'nbf') return invalid('jwt not yet valid (nbf)', 'The access token is not valid yet.');
      // jose reports a wrong `typ` header as a claim check too; it is not a missing claim.
      if (claim === 'typ')
        return invalid(
          `jwt type not accepted (typ): ${message}`,
          'The access token is not of a type this server accepts.',
        );
      return invalid(`jwt claim check failed: ${message}`, 'The access token is missing a required claim.');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return invalid('jwt algorithm not allowed', 'The access token is signed with an algorithm this server refuses.');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalid('jwt signature invalid', 'The access token signature does not verify.');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return invalid('jwt signing key not in the issuer JWKS', "The access token's signing key is not the issuer's.");
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return invalid(`jwt malformed: ${message}`, 'The access token is malformed.');
    case 'ERR_JWKS_COOLDOWN_NO_MATCHING_KEY':
      return {
        ok: false,
        kind: 'unavailable',
        retryAfterSec: (error as { retryAfterSec?: number }).retryAfterSec,
        reason: `jwt signing key not in the JWKS fetched moments ago (${message})`,
        description: "The access token's signing key is not among the keys fetched moments ago; try again shortly.",
      };
    default:
      // Timeouts, refused connections, a non-200 or unparsable JWKS: the token may be fine.
      return {
        ok: false,
        kind: 'unavailable',
        reason: `issuer keys unavailable: ${code ?? (error as Error).name}: ${message}`,
        description: "The authorization server's signing keys could not be fetched; try again shortly.",
      };
  }
}

/**
 * The IdP's key set, but an IdP outage is not our outage: when fetching fresh keys fails (timeout,
 * refused, non-200, garbage), verification goes on with the last set the IdP served, for up to
 * `maxStaleMs` after that fetch, and the IdP is not asked again within `retryMs`, so callers do not
 * each wait out a timeout. Only fetch failures fall back: a bad signature or a wrong audience is
 * refused exactly as before. A token whose key the last set does not have is refused too, but as
 * unavailable (503), not invalid: its key may be one the IdP published since, and a 401 told the
 * client to throw a good token away (outside probe, 2026-12-07). With `maxStaleMs` 0, or once the
 * last set is older, the failure stands (503).
 */
function staleIfError(
  remote: JWTVerifyGetKey,
  fetched: Partial<ExportedJWKSCache>,
  maxStaleMs: number,
  retryMs: number,
): JWTVerifyGetKey {
  let fallback: { readonly uat: number; readonly keys: JWTVerifyGetKey } | undefined;
  let failedAt = -Infinity;
  const lastKnown = () => {
    if (!fetched.jwks || fetched.uat === undefined || Date.now() - fetched.uat > maxStaleMs) return undefined;
    if (fallback?.uat !== fetched.uat) fallback = { uat: fetched.uat, keys: createLocalJWKSet(fetched.jwks) };
    return fallback.keys;
  };
  const fromLastKnown = async (keys: JWTVerifyGetKey, ...args: Parameters<JWTVerifyGetKey>) => {
    try {
      return await keys(...args);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      throw Object.assign(new Error('the IdP cannot be reached and the last keys it served have none for this token'), {
        code: 'ERR_JWKS_STALE_NO_MATCHING_KEY',
      });
    }
  };
  return async (header, token) => {
    const recentFailure = Date.now() - failedAt < retryMs;
    const known = recentFailure ? lastKnown() : undefined;
    if (known) return fromLastKnown(known, header, token);
    try {
      return await remote(header, token);
    } catch (error) {
      const stale = isFetchFailure(error) ? lastKnown() : undefined;
      if (!stale) throw error;
      failedAt = Date.now();
      return fromLastKnown(stale, header, token);
    }
  };
}

/**
 * A token whose key is not in a set fetched less than the cooldown ago: jose does not refetch
 * then, so the key may be one the IdP published since. MCP authorization: "Invalid or expired
 * tokens MUST receive a HTTP 401" — this token is neither, as far as anyone can tell yet, so it
 * is answered as unavailable (503, Retry-After) rather than invalid. Outside probe: one request
 * with a made-up `kid` started the cooldown, and for 30 s every token signed with a newly
 * rotated key was refused 401, telling its client to throw it away. Once the cooldown is over,
 * jose refetches, and a key still missing is refused 401 as before.
 */
function unknownKeyWhileCooling(
  remote: ReturnType<typeof createRemoteJWKSet>,
  fetched: Partial<ExportedJWKSCache>,
  cooldownMs: number,
): JWTVerifyGetKey {
  return async (header, token) => {
    // Read first: a miss now is not followed by a refetch. But a set past `jwksCacheSec` is
    // refetched before the lookup even while cooling down, and a miss in that fresh set is final
    // (review): so only a miss with no fetch finished during this call is "try again".
    const cooling = remote.coolingDown;
    const fetchedBefore = fetched.uat;
    try {
      return await remote(header, token);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!cooling || fetched.uat !== fetchedBefore || code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      // Retry-After: when the set may be fetched again (it was a fixed 5 s against a 30 s cooldown).
      const retryAfterSec = Math.max(1, Math.ceil(((fetchedBefore ?? 0) + cooldownMs - Date.now()) / 1000));
      throw Object.assign(
        new Error('no such key in the key set fetched moments ago; it is fetched again once the cooldown is over'),
        { code: 'ERR_JWKS_COOLDOWN_NO_MATCHING_KEY', retryAfterSec },
      );
    }
  };
}

/** jose's errors for a key set it could not get, as opposed to a token it could not accept. */
function isFetchFailure(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === undefined || code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JWKS_INVALID' || code === 'ERR_JOSE_GENERIC'
  );
}
