import { asList, type IntrospectionAuthConfig } from './auth-config.js';
import { stringList, type Claims } from './claims.js';
import type { TokenCheck } from './jwt.js';
import { createTokenCache } from './token-cache.js';

/**
 * RFC 7662 token introspection for opaque access tokens. Answers are cached briefly (keyed by a
 * digest of the token, never past its `exp`) so a busy client does not cost one IdP round trip
 * per call; a revoked token therefore keeps working for at most `cacheSec`. An IdP that does not
 * answer in time gives `unavailable` (503), which is never cached.
 */
export function createIntrospector(
  config: IntrospectionAuthConfig,
  audience: readonly string[],
  now: () => number = Date.now,
): (token: string) => Promise<TokenCheck> {
  const cacheMs = Math.max(0, config.cacheSec ?? 60) * 1000;
  const timeoutMs = config.timeoutMs ?? 3_000;
  const accepted = asList(config.audience, audience);
  const cache = createTokenCache<TokenCheck>();
  // RFC 6749 §2.3.1: client_secret_basic form-encodes id and secret before base64.
  const basic = Buffer.from(
    `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`,
  ).toString('base64');

  async function ask(token: string): Promise<{ check: TokenCheck; exp?: number }> {
    let response: Response;
    try {
      response = await fetch(config.endpoint, {
        method: 'POST',
        // RFC 7662 §2.1: "token" REQUIRED, "token_type_hint" OPTIONAL, form-encoded POST.
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const why = (error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (error as Error).message;
      return { check: unavailable(`introspection endpoint unreachable: ${why}`) };
    }
    if (!response.ok) return { check: unavailable(`introspection endpoint answered HTTP ${response.status}`) };
    const answer = (await response.json().catch(() => null)) as Claims | null;
    if (!answer) return { check: unavailable('introspection answer is not JSON') };
    const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : undefined;
    return { check: judge(answer, exp), ...(exp === undefined ? {} : { exp }) };
  }

  function judge(answer: Claims, exp: number | undefined): TokenCheck {
    // RFC 7662 §2.2: "active" REQUIRED; anything but true means the token must not be honoured.
    if (answer.active !== true) return invalid('introspection: token is not active');
    if (exp !== undefined && exp <= now()) return invalid('introspection: token expired (exp)');
    if (config.issuer && answer.iss !== undefined && answer.iss !== config.issuer) {
      return invalid('introspection: issuer mismatch (iss)');
    }
    // RFC 8707 §2 / MCP "Token Handling": only tokens issued for this resource are accepted.
    const aud = stringList(answer.aud);
    if (!aud.some((a) => accepted.includes(a))) {
      return invalid(aud.length ? 'introspection: audience mismatch (aud)' : 'introspection: answer has no aud');
    }
    return { ok: true, claims: answer };
  }

  return async (token) => {
    const hit = cacheMs > 0 ? cache.get(token, now()) : undefined;
    if (hit) return hit;
    const { check, exp } = await ask(token);
    if (cacheMs > 0 && !(check.ok === false && check.kind === 'unavailable')) {
      const at = now();
      cache.set(token, check, Math.min(at + cacheMs, exp ?? Infinity), at);
    }
    return check;
  };
}

const invalid = (reason: string): TokenCheck => ({
  ok: false,
  kind: 'invalid',
  reason,
  description: 'The access token is not active for this resource; get a new one.',
});

const unavailable = (reason: string): TokenCheck => ({
  ok: false,
  kind: 'unavailable',
  reason,
  description: 'The authorization server could not be asked about this token; try again shortly.',
});
