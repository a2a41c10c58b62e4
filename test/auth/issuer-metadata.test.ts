import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverJwksUri } from '../../src/auth/issuer-metadata.js';

/** An issuer on loopback whose OpenID metadata names `jwksUri`; its address is the issuer. */
async function issuerServing(jwksUri: (issuer: string) => string): Promise<{ issuer: string; server: Server }> {
  let issuer = '';
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ issuer, jwks_uri: jwksUri(issuer) }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, server };
}

let server: Server | undefined;
afterEach(() => server?.close());

describe("discovering an issuer's key set", () => {
  it('takes the jwks_uri the metadata names (plain http on loopback, for development)', async () => {
    const found = await issuerServing((issuer) => `${issuer}/jwks`);
    server = found.server;
    await expect(discoverJwksUri(found.issuer, 2_000)).resolves.toBe(`${found.issuer}/jwks`);
  });

  // MCP authorization, "Communication Security": authorization server endpoints MUST be HTTPS.
  it('refuses a jwks_uri on plain http off loopback, saying so', async () => {
    const found = await issuerServing(() => 'http://keys.example.com/jwks');
    server = found.server;
    await expect(discoverJwksUri(found.issuer, 2_000)).rejects.toThrow(
      /jwks_uri http:\/\/keys\.example\.com\/jwks is not https.*set auth\.jwt\.jwksUri/,
    );
  });
});
