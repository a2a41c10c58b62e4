import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
    expect(early).toMatchObject({ ok: false, kind: 'unavailable' });
    expect(early.ok === false && early.description).toMatch(/try again shortly/);
    expect(test.idp.fetches).toBe(fetches); // the cooldown held: no fetch per request

    vi.setSystemTime(Date.now() + 31_000);
    expect(await verify(rotated)).toMatchObject({ ok: true });
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
