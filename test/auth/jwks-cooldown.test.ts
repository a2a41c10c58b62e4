import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import { useTestIdp, type SigningKey } from './test-idp.js';

/**
 * MCP authorization: "Invalid or expired tokens MUST receive a HTTP 401". Outside probe: one
 * request with a made-up `kid` started jose's refetch cooldown, and for the next 30 s a token
 * signed with a key the IdP had just published was refused 401 invalid_token, telling its client
 * to throw away a good token. While cooling down, an unknown key is "try again shortly" (503).
 */
const test = useTestIdp();
const AUDIENCE = 'https://gateway.example/mcp';
afterEach(() => vi.useRealTimers());

const sign = (key: SigningKey, kid = key.publicJwk.kid!) =>
  new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(test.idp.issuer)
    .setAudience(AUDIENCE)
    .setExpirationTime('1h')
    .sign(key.privateKey);

describe('a token whose key the last fetched set lacks', () => {
  it('is unavailable while the cooldown runs, and verified once the set is fetched again', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    test.idp.keys = [test.k1.publicJwk];
    const verify = createJwtVerifier(test.idp.jwtConfig({ jwksCooldownSec: 30 }), [AUDIENCE]);
    expect(await verify(await sign(test.k1))).toMatchObject({ ok: true });
    // A made-up kid: outside the cooldown jose refetched, found nothing: 401.
    vi.setSystemTime(Date.now() + 31_000);
    expect(await verify(await sign(test.k2, 'made-up'))).toMatchObject({ ok: false, kind: 'invalid' });
    const fetches = test.idp.fetches;

    // The IdP publishes k2 now; a k2 token within the cooldown is "try again", not "invalid".
    test.idp.keys = [test.k1.publicJwk, test.k2.publicJwk];
    const rotated = await sign(test.k2);
    const early = await verify(rotated);
    // Try again when the set may be fetched again: 30 s after the fetch at +31 s, from +31 s.
    expect(early).toMatchObject({ ok: false, kind: 'unavailable', retryAfterSec: 30 });
    expect(early.ok === false && early.description).toMatch(/try again shortly/);
    expect(test.idp.fetches).toBe(fetches); // the cooldown held: no fetch per request

    vi.setSystemTime(Date.now() + 31_000);
    expect(await verify(rotated)).toMatchObject({ ok: true });
  });

  it('is answered 503 with a Retry-After of the cooldown left, not a fixed 5 s', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    test.idp.keys = [test.k1.publicJwk];
    const authenticator = createAuthenticator({
      staticTokens: [],
      auth: { resource: AUDIENCE, defaultTenant: 'acme', jwt: test.idp.jwtConfig({ jwksCooldownSec: 30 }) },
    });
    const asked = async (token: string) =>
      authenticator.authenticate({ headers: { authorization: `Bearer ${token}` }, url: '/mcp' });
    expect(await asked(await sign(test.k1))).toMatchObject({ ok: true }); // fetched now
    vi.setSystemTime(Date.now() + 12_000);
    test.idp.keys = [test.k1.publicJwk, test.k2.publicJwk];
    expect(await asked(await sign(test.k2))).toMatchObject({
      ok: false,
      status: 503,
      error: 'temporarily_unavailable',
      retryAfterSec: 18,
    });
  });

  it('is invalid when a set past its cache age was fetched during the call, cooldown or not', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    test.idp.keys = [test.k1.publicJwk];
    // A key set kept 10 s, a cooldown of 30: at +15 s jose refetches before looking the key up.
    const verify = createJwtVerifier(test.idp.jwtConfig({ jwksCooldownSec: 30, jwksCacheSec: 10 }), [AUDIENCE]);
    expect(await verify(await sign(test.k1))).toMatchObject({ ok: true });
    vi.setSystemTime(Date.now() + 15_000);
    const fetches = test.idp.fetches;
    expect(await verify(await sign(test.k2, 'made-up'))).toMatchObject({
      ok: false,
      kind: 'invalid',
      reason: 'jwt signing key not in the issuer JWKS',
    });
    expect(test.idp.fetches).toBe(fetches + 1);
  });

  it('is invalid when the set was just fetched for it and still lacks the key', async () => {
    test.idp.keys = [test.k1.publicJwk];
    const verify = createJwtVerifier(test.idp.jwtConfig({ jwksCooldownSec: 30 }), [AUDIENCE]);
    // The first token fetches the set (no cooldown yet), which has no such key.
    expect(await verify(await sign(test.k2))).toMatchObject({
      ok: false,
      kind: 'invalid',
      reason: 'jwt signing key not in the issuer JWKS',
    });
  });
});
