import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JwtAuthConfig } from '../../src/auth/auth-config.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';

/**
 * An IdP outage is not the gateway's outage: once its cached key set is stale and the IdP cannot
 * be reached, tokens signed with a key it served are still verified for `jwksStaleIfErrorSec`,
 * without each request waiting out a timeout; nothing else is accepted that would not be anyway.
 */
interface Key {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}
async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

let mode: 'up' | 'failing' | 'hanging' = 'up';
let published: JWK[] = [];
let fetches = 0;
const idp = createServer((_req, res) => {
  fetches += 1;
  if (mode === 'hanging') return; // never answers: the timeout case
  if (mode === 'failing') {
    res.writeHead(503).end('maintenance');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
});

let issuer: string;
let k1: Key;
let k2: Key;
const AUDIENCE = 'https://gateway.example/mcp';
beforeAll(async () => {
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  [k1, k2] = await Promise.all([newKey('k1'), newKey('k2')]);
});
afterAll(() => {
  idp.closeAllConnections();
  idp.close();
});

const sign = (key: Key) =>
  new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid! })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setExpirationTime('5m')
    .sign(key.privateKey);

/** A verifier whose cached keys go stale after 200 ms, with the IdP up and k1 published. */
function freshVerifier(extra: Partial<JwtAuthConfig> = {}) {
  mode = 'up';
  published = [k1.publicJwk];
  const config = { issuer, jwksUri: `${issuer}/jwks`, jwksCacheSec: 0.2, jwksCooldownSec: 0.3, jwksTimeoutMs: 300 };
  return createJwtVerifier({ ...config, ...extra }, [AUDIENCE]);
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('when the IdP cannot be reached', () => {
  it('keeps verifying tokens signed with the last keys it served, without asking it on every call', async () => {
    const verify = freshVerifier();
    const token = await sign(k1);
    expect(await verify(token)).toMatchObject({ ok: true, claims: { sub: 'alice' } });
    for (const outage of ['failing', 'hanging'] as const) {
      await pause(350); // the cached set is stale, and the retry window of the last failure is over
      mode = outage;
      const before = fetches;
      expect(await verify(token)).toMatchObject({ ok: true });
      expect(fetches).toBe(before + 1);
      // Within the retry window the IdP is not asked again: no timeout to wait out per call.
      const again = await Promise.all([verify(token), verify(token), verify(token)]);
      expect(again.every((r) => r.ok)).toBe(true);
      expect(fetches).toBe(before + 1);
    }
  });

  it('accepts nothing the last keys would not: a token from a key it never served is refused', async () => {
    const verify = freshVerifier();
    expect((await verify(await sign(k1))).ok).toBe(true);
    await pause(350);
    mode = 'failing';
    published = [k1.publicJwk, k2.publicJwk]; // rotated at the IdP, which we cannot reach
    expect(await verify(await sign(k2))).toMatchObject({ ok: false, kind: 'invalid' });
  });

  it('asks the IdP again after the retry window and takes up its new keys once it is back', async () => {
    const verify = freshVerifier();
    expect((await verify(await sign(k1))).ok).toBe(true);
    await pause(350);
    mode = 'failing';
    expect((await verify(await sign(k1))).ok).toBe(true);
    mode = 'up';
    published = [k2.publicJwk];
    await pause(350);
    expect(await verify(await sign(k2))).toMatchObject({ ok: true });
  });

  it('with jwksStaleIfErrorSec 0, or once the last keys are older than it, answers unavailable', async () => {
    const strict = freshVerifier({ jwksStaleIfErrorSec: 0 });
    const token = await sign(k1);
    expect((await strict(token)).ok).toBe(true);
    await pause(350);
    mode = 'failing';
    expect(await strict(token)).toMatchObject({ ok: false, kind: 'unavailable' });

    const short = freshVerifier({ jwksStaleIfErrorSec: 0.5 });
    expect((await short(token)).ok).toBe(true);
    mode = 'failing';
    await pause(350);
    expect((await short(token)).ok).toBe(true);
    await pause(400); // the last keys are now 750 ms old
    expect(await short(token)).toMatchObject({ ok: false, kind: 'unavailable' });
  });
});
