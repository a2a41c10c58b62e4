import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { JwtAuthConfig } from '../../src/auth/auth-config.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import { useTestIdp, type SigningKey } from './test-idp.js';

/**
 * An IdP outage is not the gateway's outage: once its cached key set is stale and the IdP cannot
 * be reached, tokens signed with a key it served are still verified for `jwksStaleIfErrorSec`,
 * without each request waiting out a timeout; nothing else is accepted that would not be anyway.
 */

const test = useTestIdp();
const AUDIENCE = 'https://gateway.example/mcp';

const sign = (key: SigningKey) =>
  new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid! })
    .setIssuer(test.idp.issuer)
    .setAudience(AUDIENCE)
    .setExpirationTime('5m')
    .sign(key.privateKey);

/** A verifier whose cached keys go stale after 200 ms, with the IdP up and k1 published. */
function freshVerifier(extra: Partial<JwtAuthConfig> = {}) {
  test.idp.mode = 'up';
  test.idp.keys = [test.k1.publicJwk];
  const config = test.idp.jwtConfig({ jwksCacheSec: 0.2, jwksCooldownSec: 0.3, jwksTimeoutMs: 300, ...extra });
  return createJwtVerifier(config, [AUDIENCE]);
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('when the IdP cannot be reached', () => {
  it('keeps verifying tokens signed with the last keys it served, without asking it on every call', async () => {
    const verify = freshVerifier();
    const token = await sign(test.k1);
    expect(await verify(token)).toMatchObject({ ok: true, claims: { sub: 'alice' } });
    for (const outage of ['failing', 'hanging'] as const) {
      await pause(350); // the cached set is stale, and the retry window of the last failure is over
      test.idp.mode = outage;
      const before = test.idp.fetches;
      expect(await verify(token)).toMatchObject({ ok: true });
      expect(test.idp.fetches).toBe(before + 1);
      // Within the retry window the IdP is not asked again: no timeout to wait out per call.
      const again = await Promise.all([verify(token), verify(token), verify(token)]);
      expect(again.every((r) => r.ok)).toBe(true);
      expect(test.idp.fetches).toBe(before + 1);
    }
  });

  it('accepts nothing the last keys would not: a token from a key it never served is refused, as unavailable', async () => {
    const verify = freshVerifier();
    expect((await verify(await sign(test.k1))).ok).toBe(true);
    await pause(350);
    test.idp.mode = 'failing';
    test.idp.keys = [test.k1.publicJwk, test.k2.publicJwk]; // rotated at the IdP, which we cannot reach
    // Its key may be newer than the set at hand: 503, try again (a 401 said to throw the token away).
    expect(await verify(await sign(test.k2))).toMatchObject({
      ok: false,
      kind: 'unavailable',
      reason: expect.stringMatching(/ERR_JWKS_STALE_NO_MATCHING_KEY: the IdP cannot be reached/),
    });
    // Within the retry window too, where the IdP is not asked.
    expect(await verify(await sign(test.k2))).toMatchObject({ ok: false, kind: 'unavailable' });
    // With the IdP up, an unknown key is the token's fault again.
    test.idp.mode = 'up';
    test.idp.keys = [test.k1.publicJwk];
    await pause(350);
    expect(await verify(await sign(test.k2))).toMatchObject({ ok: false, kind: 'invalid' });
  });

  it('asks the IdP again after the retry window and takes up its new keys once it is back', async () => {
    const verify = freshVerifier();
    expect((await verify(await sign(test.k1))).ok).toBe(true);
    await pause(350);
    test.idp.mode = 'failing';
    expect((await verify(await sign(test.k1))).ok).toBe(true);
    test.idp.mode = 'up';
    test.idp.keys = [test.k2.publicJwk];
    await pause(350);
    expect(await verify(await sign(test.k2))).toMatchObject({ ok: true });
  });

  it('with jwksStaleIfErrorSec 0, or once the last keys are older than it, answers unavailable', async () => {
    const strict = freshVerifier({ jwksStaleIfErrorSec: 0 });
    const token = await sign(test.k1);
    expect((await strict(token)).ok).toBe(true);
    await pause(350);
    test.idp.mode = 'failing';
    expect(await strict(token)).toMatchObject({ ok: false, kind: 'unavailable' });

    const short = freshVerifier({ jwksStaleIfErrorSec: 0.5 });
    expect((await short(token)).ok).toBe(true);
    test.idp.mode = 'failing';
    await pause(350);
    expect((await short(token)).ok).toBe(true);
    await pause(400); // the last keys are now 750 ms old
    expect(await short(token)).toMatchObject({ ok: false, kind: 'unavailable' });
  });
});
