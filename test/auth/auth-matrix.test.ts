import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureTools, credentials } from '../helpers/fixture-tools.js';
import { startTestServer } from '../helpers/http-server.js';
import { freePort } from './helpers.js';
import { newSigningKey, type SigningKey } from './test-idp.js';

/**
 * Issue #12, the auth matrix over HTTP: one row per way a bearer credential can be wrong. Each row
 * asserts the status, the WWW-Authenticate header, and the audit event that says why. Tokens are
 * signed with jose by a JWKS this test serves and changes (rotation, outage) while the gateway runs.
 */

let published: JWK[] = [];
const jwksServer = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ keys: published }));
});
/** Accepts connections and never answers: the slow-IdP case. */
const blackHole = createServer(() => undefined);

let k1: SigningKey;
let issuer: string;
let resource: string;
let gateway: Awaited<ReturnType<typeof startTestServer>>;
let downGateway: Awaited<ReturnType<typeof startTestServer>>;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  k1 = await newSigningKey('k1');
  published = [k1.publicJwk];
  issuer = await listen(jwksServer);
  const holeUrl = await listen(blackHole);
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  const tools = fixtureTools.filter((t) => t.name === 'get_customer_summary' || t.name === 'get_support_ticket');
  gateway = await startTestServer(
    {
      tools,
      credentials,
      // A distinct X-Forwarded-For per row keeps the auth-failure throttle (issue #13) out of the way.
      server: { trustProxy: true },
      auth: {
        resource,
        jwt: { issuer, jwksUri: `${issuer}/jwks`, jwksCooldownSec: 0, clockToleranceSec: 5, jwksTimeoutMs: 1000 },
      },
    },
    { PORT: String(port) },
  );
  const downPort = await freePort();
  downGateway = await startTestServer(
    {
      tools,
      credentials,
      auth: {
        resource: `http://127.0.0.1:${downPort}/mcp`,
        jwt: { issuer, jwksUri: `${holeUrl}/jwks`, jwksTimeoutMs: 500 },
      },
    },
    { PORT: String(downPort) },
  );
});
afterAll(async () => {
  await gateway?.stop();
  await downGateway?.stop();
  jwksServer.close();
  blackHole.closeAllConnections();
  blackHole.close();
});

const now = () => Math.floor(Date.now() / 1000);
async function token(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  options: { iss?: string; aud?: string; exp?: number; nbf?: number; iat?: number } = {},
): Promise<string> {
  const jwt = new SignJWT({ scope: 'billing:read tickets:read', tenant: 'acme', azp: 'claude-ai', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
    .setSubject('user-42')
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? resource)
    .setIssuedAt(options.iat)
    .setExpirationTime(options.exp ?? now() + 600);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}

let row = 0;
async function post(
  target: Awaited<ReturnType<typeof startTestServer>>,
  init: { headers?: Record<string, string>; query?: string; body?: string } = {},
) {
  row += 1;
  return fetch(`${target.url}/mcp${init.query ?? ''}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'x-forwarded-for': `10.0.0.${row}`,
      ...init.headers,
    },
    body: init.body ?? '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  });
}
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

async function lastDenial(target = gateway) {
  const [event] = await target.store.audit.query({ kind: 'auth.denied', newestFirst: true, limit: 1 });
  return event;
}

async function listWith(value: string): Promise<string[]> {
  const client = new Client({ name: 'matrix', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: bearer(value) } }),
  );
  const { tools } = await client.listTools();
  await client.close();
  return tools.map((t) => t.name).sort();
}

const metadata = () => `resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', resource).href}"`;
const invalidToken = (description: string) =>
  `Bearer realm="toolgate", ${metadata()}, scope="billing:read tickets:read", error="invalid_token", ` +
  `error_description="${description}"`;

describe('auth matrix over HTTP', () => {
  it('a valid token from the JWKS gets in (baseline), and the scopes shape tools/list', async () => {
    expect(await listWith(await token(k1))).toEqual(['get_customer_summary', 'get_support_ticket']);
    expect(await listWith(await token(k1, { scope: 'billing:read' }))).toEqual(['get_customer_summary']);
  });

  const rows: {
    name: string;
    request: () => Promise<Parameters<typeof post>[1]>;
    status: number;
    challenge: () => string;
    reason: RegExp;
  }[] = [
    {
      name: 'no token',
      request: async () => ({}),
      status: 401,
      challenge: () => `Bearer realm="toolgate", ${metadata()}, scope="billing:read tickets:read"`,
      reason: /^no credentials$/,
    },
    {
      name: 'malformed token (not a JWT)',
      request: async () => ({ headers: bearer('not-a-jwt-at-all') }),
      status: 401,
      challenge: () => invalidToken('The bearer token is not recognised.'),
      reason: /not a JWT and introspection is off/,
    },
    {
      name: 'malformed token (JWT-shaped garbage)',
      request: async () => ({ headers: bearer('bm90IGpzb24.bm90IGpzb24.c2lnbmF0dXJl') }),
      status: 401,
      challenge: () => invalidToken('The access token is malformed.'),
      reason: /jwt malformed/,
    },
    {
      name: 'bad signature (payload swapped)',
      request: async () => {
        const [header, , signature] = (await token(k1)).split('.');
        const [, otherPayload] = (await token(k1, { scope: 'admin:write' })).split('.');
        return { headers: bearer(`${header}.${otherPayload}.${signature}`) };
      },
      status: 401,
      challenge: () => invalidToken('The access token signature does not verify.'),
      reason: /jwt signature invalid/,
    },
    {
      name: 'key not in the JWKS',
      request: async () => ({ headers: bearer(await token(await newSigningKey('rogue'))) }),
      status: 401,
      challenge: () => invalidToken("The access token's signing key is not the issuer's."),
      reason: /signing key not in the issuer JWKS/,
    },
    {
      name: 'wrong iss',
      request: async () => ({ headers: bearer(await token(k1, {}, { iss: 'http://127.0.0.1:1/evil-idp' })) }),
      status: 401,
      challenge: () => invalidToken('The access token comes from an unknown issuer.'),
      reason: /issuer mismatch \(iss\)/,
    },
    {
      name: 'wrong aud (a token minted for another resource)',
      request: async () => ({ headers: bearer(await token(k1, {}, { aud: 'http://127.0.0.1:1/other-mcp' })) }),
      status: 401,
      challenge: () => invalidToken('The access token was issued for another resource.'),
      reason: /audience mismatch \(aud\)/,
    },
    {
      name: 'expired',
      request: async () => ({ headers: bearer(await token(k1, {}, { exp: now() - 3600 })) }),
      status: 401,
      challenge: () => invalidToken('The access token has expired; get a new one.'),
      reason: /expired \(exp\)/,
    },
    {
      name: 'not yet valid',
      request: async () => ({ headers: bearer(await token(k1, {}, { nbf: now() + 3600 })) }),
      status: 401,
      challenge: () => invalidToken('The access token is not valid yet.'),
      reason: /not yet valid \(nbf\)/,
    },
    {
      // RFC 7519 §4.1.6; outside probe: a token issued a day from now was accepted.
      name: 'issued in the future',
      request: async () => ({ headers: bearer(await token(k1, {}, { iat: now() + 86_400 })) }),
      status: 401,
      challenge: () => invalidToken('The access token says it was issued in the future.'),
      reason: /issued in the future \(iat\)/,
    },
    {
      name: 'alg none',
      request: async () => {
        const unsigned = new UnsecuredJWT({ scope: 'billing:read', tenant: 'acme' })
          .setSubject('user-42')
          .setIssuer(issuer)
          .setAudience(resource)
          .setExpirationTime(now() + 600)
          .encode();
        return { headers: bearer(unsigned) };
      },
      status: 401,
      challenge: () => invalidToken('The access token is signed with an algorithm this server refuses.'),
      reason: /algorithm not allowed/,
    },
    {
      name: 'HS256 signed with the public key',
      request: async () => {
        const pem = await exportSPKI((await generateKeyPair('ES256', { extractable: true })).publicKey);
        const forged = await new SignJWT({ scope: 'billing:read', tenant: 'acme' })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setSubject('user-42')
          .setIssuer(issuer)
          .setAudience(resource)
          .setExpirationTime(now() + 600)
          .sign(new TextEncoder().encode(JSON.stringify(k1.publicJwk) + pem));
        return { headers: bearer(forged) };
      },
      status: 401,
      challenge: () => invalidToken('The access token is signed with an algorithm this server refuses.'),
      reason: /algorithm not allowed/,
    },
    {
      name: 'token in the query string',
      request: async () => ({ query: `?access_token=${await token(k1)}` }),
      status: 400,
      challenge: () =>
        `Bearer realm="toolgate", ${metadata()}, scope="billing:read tickets:read", error="invalid_request", ` +
        'error_description="Send the token in the Authorization header, never in the URL."',
      reason: /token in the query string/,
    },
    {
      name: 'token in a form body',
      request: async () => ({
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${await token(k1)}`,
      }),
      status: 400,
      challenge: () =>
        `Bearer realm="toolgate", ${metadata()}, scope="billing:read tickets:read", error="invalid_request", ` +
        'error_description="Send JSON, and the token in the Authorization header."',
      reason: /form-encoded body/,
    },
  ];

  for (const r of rows) {
    it(`${r.name}: ${r.status}, WWW-Authenticate, audited`, async () => {
      const response = await post(gateway, await r.request());
      expect(response.status).toBe(r.status);
      expect(response.headers.get('www-authenticate')).toBe(r.challenge());
      const body = (await response.json()) as { error: string };
      expect(body.error).toBe(
        r.status === 400 ? 'invalid_request' : r.name === 'no token' ? 'unauthorized' : 'invalid_token',
      );
      const event = await lastDenial();
      expect(event).toMatchObject({
        surface: 'mcp_http',
        decision: 'deny',
        outcome: 'denied',
        actor: `address:10.0.0.${row}`,
      });
      expect(event!.reason).toMatch(r.reason);
      // The audit never keeps the token itself.
      expect(JSON.stringify(event)).not.toMatch(/eyJ[\w-]{20,}/);
    });
  }

  it('a token issued a little ahead of our clock, inside the leeway (5 s here), is accepted', async () => {
    expect((await post(gateway, { headers: bearer(await token(k1, {}, { iat: now() + 3 })) })).status).toBe(200);
  });

  it('JWKS rotated while running: the new key is accepted, the removed key refused', async () => {
    const old = await token(k1);
    const k2 = await newSigningKey('k2');
    published = [k2.publicJwk];
    expect(await listWith(await token(k2))).toEqual(['get_customer_summary', 'get_support_ticket']);
    const response = await post(gateway, { headers: bearer(old) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      invalidToken("The access token's signing key is not the issuer's."),
    );
    expect((await lastDenial())!.reason).toMatch(/signing key not in the issuer JWKS/);
  });

  it('IdP down (JWKS never answers): a clear 503 with Retry-After, not a hang, and audited', async () => {
    const response = await post(downGateway, {
      headers: bearer(await token(k1, {}, { aud: downGateway.url + '/mcp' })),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('www-authenticate')).toBeNull(); // the token may be fine: no re-auth
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    const event = await lastDenial(downGateway);
    expect(event).toMatchObject({ outcome: 'error', errorCode: 'temporarily_unavailable' });
    expect(event!.reason).toMatch(/issuer keys unavailable: ERR_JWKS_TIMEOUT/);
  });

  it('IdP down (connection refused): 503 as well', async () => {
    const closedPort = await freePort();
    const aud = 'http://127.0.0.1:9/mcp';
    const g = await startTestServer({
      tools: fixtureTools.filter((t) => t.name === 'get_customer_summary'),
      credentials,
      auth: { resource: aud, jwt: { issuer, jwksUri: `http://127.0.0.1:${closedPort}/jwks` } },
    });
    try {
      const response = await post(g, { headers: bearer(await token(k1, {}, { aud })) });
      expect(response.status).toBe(503);
      expect((await lastDenial(g))!.reason).toMatch(/issuer keys unavailable/);
    } finally {
      await g.stop();
    }
  });
});
