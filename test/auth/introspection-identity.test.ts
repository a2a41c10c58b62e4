import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticator.js';

/**
 * Opaque tokens beside JWTs: the introspection side has its own issuer and audience, and does not
 * borrow the JWT side's. An RFC 7662 answer may leave `iss` out, and its audience must be this
 * resource (RFC 8707) unless auth.introspection.audience says otherwise.
 */
const resource = 'https://gw.example.com/mcp';
let answer: Record<string, unknown> = {};
const idp = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
});
let endpoint: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/introspect`;
});
afterAll(() => idp.close());

const active = (over: Record<string, unknown>) => ({
  active: true,
  sub: 'alice',
  tenant: 'acme',
  scope: 'billing:read',
  exp: Math.floor(Date.now() / 1000) + 600,
  ...over,
});

function authenticatorWith(introspection: Record<string, unknown> = {}) {
  return createAuthenticator({
    staticTokens: [],
    auth: {
      resource,
      // A JWT side with an issuer and an audience of its own; its JWKS is never fetched here.
      jwt: { issuer: 'https://jwt-issuer.example.com', jwksUri: 'http://127.0.0.1:9/jwks', audience: 'api://toolgate' },
      introspection: { endpoint, clientId: 'gw', clientSecret: 'secret', cacheSec: 0, ...introspection },
    },
  });
}
const present = (token: string, authenticator: ReturnType<typeof authenticatorWith>) =>
  authenticator.authenticate({ headers: new Headers({ authorization: `Bearer ${token}` }), url: '/mcp' });

describe('introspected tokens beside JWTs', () => {
  it('name the introspection issuer when the answer has no iss, not the JWT issuer', async () => {
    answer = active({ aud: resource });
    const outcome = await present('opaque-1', authenticatorWith({ issuer: 'https://opaque-as.example.com' }));
    expect(outcome).toMatchObject({
      ok: true,
      who: { principal: { subject: 'alice', issuer: 'https://opaque-as.example.com' } },
    });
  });

  it('are held to this resource as their audience by default, not to auth.jwt.audience', async () => {
    const authenticator = authenticatorWith({ issuer: 'https://opaque-as.example.com' });
    answer = active({ aud: resource });
    expect(await present('opaque-3', authenticator)).toMatchObject({ ok: true });
    answer = active({ aud: 'api://toolgate' });
    expect(await present('opaque-4', authenticator)).toMatchObject({
      ok: false,
      status: 401,
      reason: expect.stringContaining('audience mismatch'),
    });
    // Set explicitly, the introspection audience is what counts.
    const explicit = authenticatorWith({ issuer: 'https://opaque-as.example.com', audience: 'api://opaque' });
    answer = active({ aud: 'api://opaque' });
    expect(await present('opaque-5', explicit)).toMatchObject({ ok: true });
  });
});
