import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JwtAuthConfig } from '../../src/auth/auth-config.js';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import { createTokenCache } from '../../src/auth/token-cache.js';
import { useTestIdp, type SigningKey } from './test-idp.js';

/**
 * Issue #15: a verified JWT is not verified again while nothing that decided it has changed. A
 * signature check costs more than the rest of a call; remembering it must not let through a token
 * that has expired, a key the IdP has withdrawn, or a key set due for a refetch.
 */

const test = useTestIdp();
const AUDIENCE = 'https://gateway.example/mcp';
afterEach(() => {
  vi.useRealTimers();
});

const seconds = () => Math.floor(Date.now() / 1000);
function sign(key: SigningKey, times: { exp?: number; nbf?: number } = {}, sub = 'alice') {
  const jwt = new SignJWT({ sub })
    .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid! })
    .setIssuer(test.idp.issuer)
    .setAudience(AUDIENCE)
    .setExpirationTime(times.exp ?? seconds() + 3600);
  if (times.nbf !== undefined) jwt.setNotBefore(times.nbf);
  return jwt.sign(key.privateKey);
}

/** A verifier over a JWKS publishing k1, its key set already fetched (by another token). */
async function verifier(extra: Partial<JwtAuthConfig> = {}) {
  test.idp.keys = [test.k1.publicJwk];
  const verify = createJwtVerifier(test.idp.jwtConfig({ jwksCooldownSec: 0, clockToleranceSec: 0, ...extra }), [
    AUDIENCE,
  ]);
  expect(await verify(await sign(test.k1, {}, 'warm-up'))).toMatchObject({ ok: true });
  return verify;
}

/** Date only: the JWKS test.idp.fetches keep their real timeouts. */
const fakeClock = () => vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('verified JWTs are remembered', () => {
  it('answers a token it has verified from memory, not by checking the signature again', async () => {
    const verify = await verifier();
    const token = await sign(test.k1);
    const first = await verify(token);
    expect(first).toMatchObject({ ok: true, claims: { sub: 'alice' } });
    // The very object: jose, asked again, would build new claims.
    expect(await verify(token)).toBe(first);
    expect(await verify(await sign(test.k1, {}, 'bob'))).toMatchObject({ ok: true, claims: { sub: 'bob' } });
  });

  it('verifies every request when cacheSec is 0', async () => {
    const verify = await verifier({ cacheSec: 0 });
    const token = await sign(test.k1);
    const first = await verify(token);
    const second = await verify(token);
    expect(second).toMatchObject({ ok: true });
    expect(second).not.toBe(first);
  });

  it('refuses a remembered token once it expires', async () => {
    fakeClock();
    const verify = await verifier({ cacheSec: 3600 });
    const token = await sign(test.k1, { exp: seconds() + 60 });
    expect(await verify(token)).toMatchObject({ ok: true });
    advance(61_000);
    expect(await verify(token)).toMatchObject({ ok: false, kind: 'invalid', reason: 'jwt expired (exp)' });
  });

  it('allows the clock tolerance past exp, and not a second more', async () => {
    fakeClock();
    const verify = await verifier({ cacheSec: 3600, clockToleranceSec: 30 });
    const token = await sign(test.k1, { exp: seconds() + 60 });
    const first = await verify(token);
    advance(60_000 + 29_000);
    expect(await verify(token)).toBe(first);
    advance(2_000);
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'jwt expired (exp)' });
  });

  it('remembers for cacheSec at most, then checks the signature again', async () => {
    fakeClock();
    const verify = await verifier({ cacheSec: 5 });
    const token = await sign(test.k1);
    const first = await verify(token);
    advance(4_000);
    expect(await verify(token)).toBe(first);
    advance(2_000);
    const later = await verify(token);
    expect(later).toMatchObject({ ok: true });
    expect(later).not.toBe(first);
  });

  it('refuses a remembered token whose key the IdP withdrew, as soon as the key set is fetched again', async () => {
    const verify = await verifier({ cacheSec: 3600 });
    const old = await sign(test.k1);
    expect(await verify(old)).toMatchObject({ ok: true });
    test.idp.keys = [test.k2.publicJwk]; // rotation: k1 withdrawn
    expect(await verify(await sign(test.k2))).toMatchObject({ ok: true }); // an unknown kid: the set is fetched again
    expect(await verify(old)).toMatchObject({ ok: false, reason: 'jwt signing key not in the issuer JWKS' });
  });

  it('test.idp.fetches a key set due for a refetch, even for a remembered token', async () => {
    fakeClock();
    const verify = await verifier({ cacheSec: 3600, jwksCacheSec: 10 });
    const token = await sign(test.k1);
    expect(await verify(token)).toMatchObject({ ok: true });
    const before = test.idp.fetches;
    advance(11_000);
    test.idp.keys = [test.k2.publicJwk];
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'jwt signing key not in the issuer JWKS' });
    expect(test.idp.fetches).toBeGreaterThan(before);
  });

  it('does not remember refusals: a token not valid yet is accepted once it is', async () => {
    fakeClock();
    const verify = await verifier();
    const token = await sign(test.k1, { nbf: seconds() + 30 });
    expect(await verify(token)).toMatchObject({ ok: false, reason: 'jwt not yet valid (nbf)' });
    advance(31_000);
    expect(await verify(token)).toMatchObject({ ok: true });
  });
});

describe('the authenticator', () => {
  it('maps a remembered token to the same caller object, once', async () => {
    test.idp.keys = [test.k1.publicJwk];
    const authenticator = createAuthenticator({
      staticTokens: [],
      auth: {
        resource: AUDIENCE,
        defaultTenant: 'acme',
        jwt: test.idp.jwtConfig(),
      },
    });
    const request = { headers: { authorization: `Bearer ${await sign(test.k1)}` }, url: '/mcp' };
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await authenticator.authenticate(request));
    expect(outcomes[1]).toMatchObject({
      ok: true,
      method: 'jwt',
      who: { principal: { actorId: 'alice', tenant: 'acme' } },
    });
    // The first verification fetched the key set, so the second is the first one remembered.
    expect(outcomes[2]).toBe(outcomes[1]);
  });
});

describe('the token cache', () => {
  it('keeps at most maxEntries, dropping the oldest first', () => {
    const cache = createTokenCache<string>(2);
    cache.set('a', 'A', 10_000, 0);
    cache.set('b', 'B', 10_000, 0);
    cache.set('a', 'A2', 10_000, 0); // a again: now the newest
    cache.set('c', 'C', 10_000, 0);
    expect([cache.get('a', 1), cache.get('b', 1), cache.get('c', 1)]).toEqual(['A2', undefined, 'C']);
  });

  it('forgets an entry at its deadline and ignores one already past', () => {
    const cache = createTokenCache<string>();
    cache.set('a', 'A', 100, 0);
    cache.set('late', 'L', 50, 50);
    expect(cache.get('a', 99)).toBe('A');
    expect(cache.get('a', 100)).toBeUndefined();
    expect(cache.get('late', 0)).toBeUndefined();
  });
});
