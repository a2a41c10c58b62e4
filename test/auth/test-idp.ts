import { createServer as createHttpServer } from 'node:http';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll } from 'vitest';
import type { JwtAuthConfig } from '../../src/auth/auth-config.js';

/** An ES256 signing key for a test IdP: the private half signs, the public JWK is published. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/**
 * A JWKS endpoint on loopback that a test can change while the gateway runs: the keys it
 * publishes, and whether it answers (`failing`: 503, `hanging`: never). Counts its fetches.
 */
export interface TestJwks {
  readonly issuer: string;
  keys: JWK[];
  mode: 'up' | 'failing' | 'hanging';
  readonly fetches: number;
  /** The gateway's `auth.jwt` settings for this IdP, with `settings` on top. */
  jwtConfig(settings?: Partial<JwtAuthConfig>): JwtAuthConfig;
  close(): void;
}

export async function startTestJwks(): Promise<TestJwks> {
  let fetches = 0;
  const server = createHttpServer((_req, res) => {
    fetches += 1;
    if (jwks.mode === 'hanging') return;
    if (jwks.mode === 'failing') {
      res.writeHead(503).end('maintenance');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwks.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwks: TestJwks = {
    issuer: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    keys: [],
    mode: 'up',
    get fetches() {
      return fetches;
    },
    jwtConfig: (settings = {}) => ({ issuer: jwks.issuer, jwksUri: `${jwks.issuer}/jwks`, ...settings }),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
  return jwks;
}

/**
 * For a test file: a test JWKS (started before its tests, closed after) and two keys, k1 and k2,
 * neither published yet. Read the fields inside tests or hooks, once `beforeAll` has run.
 */
export function useTestIdp(): { idp: TestJwks; k1: SigningKey; k2: SigningKey } {
  const fixture = {} as { idp: TestJwks; k1: SigningKey; k2: SigningKey };
  beforeAll(async () => {
    fixture.idp = await startTestJwks();
    [fixture.k1, fixture.k2] = await Promise.all([newSigningKey('k1'), newSigningKey('k2')]);
  });
  afterAll(() => fixture.idp.close());
  return fixture;
}
