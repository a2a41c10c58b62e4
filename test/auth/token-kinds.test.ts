import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminOnly, credentials, getCustomerSummary } from '../helpers/fixture-tools.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';
import { freePort } from './helpers.js';

/**
 * Issue #12: static tokens and OAuth tokens on at once; opaque tokens through RFC 7662
 * introspection (client credentials, a short cache, active=false and wrong aud refused); the
 * approvals API on the same authenticator.
 */
const now = () => Math.floor(Date.now() / 1000);
let resource = '';
const asked: { headers: IncomingHttpHeaders; body: string }[] = [];
const answers: Record<string, Record<string, unknown>> = {};
const introspection = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    asked.push({ headers: req.headers, body });
    const token = new URLSearchParams(body).get('token') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answers[token] ?? { active: false }));
  });
});

let gateway: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  await new Promise<void>((resolve) => introspection.listen(0, '127.0.0.1', resolve));
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  const active = { active: true, iss: 'https://idp.test', aud: resource, tenant: 'acme', exp: now() + 600 };
  answers['opaque-agent-token'] = { ...active, sub: 'svc-7', client_id: 'batch-job', scope: 'billing:read' };
  answers['opaque-approver-token'] = {
    ...active,
    sub: 'ann',
    client_id: 'ops',
    scope: 'toolgate:approve',
    roles: ['approver'],
  };
  // The same person through a client she consented to for sign-in only: the role, not the scope.
  answers['opaque-approver-no-consent'] = {
    ...active,
    sub: 'ann',
    client_id: 'some-app',
    scope: 'openid',
    roles: ['approver'],
  };
  answers['opaque-other-resource'] = { ...active, sub: 'svc-7', scope: 'billing:read', aud: 'https://other/mcp' };
  answers['opaque-revoked'] = { active: false };
  gateway = await startTestServer(
    {
      tools: [getCustomerSummary, adminOnly],
      credentials,
      server: { trustProxy: true },
      auth: {
        resource,
        approverRole: 'approver',
        introspection: {
          endpoint: `http://127.0.0.1:${(introspection.address() as AddressInfo).port}/introspect`,
          clientId: 'toolgate',
          clientSecret: 's3cret:with/odd chars',
          issuer: 'https://idp.test',
        },
      },
    },
    { PORT: String(port) },
  );
});
afterAll(async () => {
  await gateway?.stop();
  introspection.close();
});

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'kinds', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(resource), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

let ip = 0;
const post = (token: string | null, path = '/mcp') =>
  fetch(`${gateway.url}${path}`, {
    method: path === '/mcp' ? 'POST' : 'GET',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'x-forwarded-for': `10.1.0.${++ip}`,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(path === '/mcp' ? { body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' } : {}),
  });

describe('static and OAuth tokens together; RFC 7662 introspection', () => {
  it('a static token and an introspected opaque token both work on /mcp, each with its own scopes', async () => {
    const staticClient = await connect(AGENT_TOKEN);
    expect((await staticClient.listTools()).tools.map((t) => t.name)).toEqual(['get_customer_summary']);
    await staticClient.close();

    const before = asked.length;
    const oauthClient = await connect('opaque-agent-token');
    expect((await oauthClient.listTools()).tools.map((t) => t.name)).toEqual(['get_customer_summary']);
    const result = await oauthClient.callTool({ name: 'get_customer_summary', arguments: { customer_id: 'cus_1' } });
    expect(result.isError).toBeFalsy();
    const id = (result._meta as Record<string, string>)['io.toolgate/audit_id']!;
    expect(await gateway.store.audit.get(id)).toMatchObject({
      actor: 'svc-7',
      subject: 'svc-7',
      issuer: 'https://idp.test',
      clientId: 'batch-job',
    });
    await oauthClient.close();
    // Cached: one introspection for several requests with the same token.
    expect(asked.length - before).toBe(1);
  });

  it('asks with client_secret_basic and a form-encoded token', () => {
    const request = asked.at(-1)!;
    const basic = Buffer.from(`toolgate:${encodeURIComponent('s3cret:with/odd chars')}`).toString('base64');
    expect(request.headers.authorization).toBe(`Basic ${basic}`);
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      token: 'opaque-agent-token',
      token_type_hint: 'access_token',
    });
  });

  for (const [token, reason] of [
    ['opaque-revoked', /introspection: token is not active/],
    ['opaque-other-resource', /introspection: audience mismatch \(aud\)/],
  ] as const) {
    it(`${token}: 401 invalid_token, audited`, async () => {
      const response = await post(token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(
        /^Bearer realm="toolgate", resource_metadata=".*", scope="admin:write billing:read", error="invalid_token"/,
      );
      const [event] = await gateway.store.audit.query({ kind: 'auth.denied', newestFirst: true, limit: 1 });
      expect(event!.reason).toMatch(reason);
    });
  }

  it('a static token lacking a scope keeps the in-band forbidden result (it cannot step up)', async () => {
    const client = await connect(AGENT_TOKEN);
    const result = await client.callTool({ name: 'delete_customer_record', arguments: { customer_id: 'cus_1' } });
    expect(result.isError).toBe(true);
    expect(JSON.parse((result.content as { text: string }[])[0]!.text)).toMatchObject({ error: { code: 'forbidden' } });
    await client.close();
  });

  it('an OAuth token lacking a scope gets HTTP 403 insufficient_scope naming the scope', async () => {
    const response = await fetch(`${gateway.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer opaque-agent-token',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'delete_customer_record', arguments: { customer_id: 'cus_1' } },
      }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="toolgate", resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', resource).href}", ` +
        'scope="admin:write", error="insufficient_scope", ' +
        'error_description="tools/call delete_customer_record needs the scope admin:write; authorize again with it."',
    );
    const [event] = await gateway.store.audit.query({ kind: 'auth.denied', newestFirst: true, limit: 1 });
    expect(event).toMatchObject({ errorCode: 'insufficient_scope', client: 'oauth' }); // not "unknown"
  });

  // Outside probe: a batch (served below 2025-06-18) skipped the step-up and got in-band `forbidden`.
  it('a batch with a call the token lacks a scope for gets one 403 naming what the whole batch needs', async () => {
    const batch = (names: string[]) =>
      fetch(`${gateway.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer opaque-agent-token',
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-03-26',
        },
        body: JSON.stringify(
          names.map((name, id) => ({
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name, arguments: { customer_id: 'cus_1' } },
          })),
        ),
      });
    const refused = await batch(['get_customer_summary', 'delete_customer_record', 'delete_customer_record']);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain(
      'scope="billing:read admin:write", error="insufficient_scope", ' +
        'error_description="tools/call get_customer_summary, delete_customer_record needs the scope billing:read admin:write;',
    );
    const [event] = await gateway.store.audit.query({ kind: 'auth.denied', newestFirst: true, limit: 1 });
    // The client is named: the caller was known (it was "unknown": outside probe).
    expect(event).toMatchObject({ tool: 'delete_customer_record', errorCode: 'insufficient_scope', client: 'oauth' });
    // A batch the token's scopes cover is served.
    expect((await batch(['get_customer_summary'])).status).toBe(200);
  });

  it('/api uses the same authenticator: approver role in, other tokens 403, none 401 (audited)', async () => {
    expect((await post('opaque-approver-token', '/api/drafts')).status).toBe(200);
    expect((await post('opaque-agent-token', '/api/drafts')).status).toBe(403);
    const none = await post(null, '/api/drafts');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/resource_metadata=/);
    const [event] = await gateway.store.audit.query({ kind: 'auth.denied', newestFirst: true, limit: 1 });
    expect(event).toMatchObject({ surface: 'api', reason: 'no credentials' });
    // An approver's token is kept off /mcp, like a static approver token.
    expect((await post('opaque-approver-token')).status).toBe(403);
  });

  it('/api wants the approve scope besides the role: a sign-in-only token of an approver is 403 insufficient_scope, audited by name', async () => {
    const res = await post('opaque-approver-no-consent', '/api/drafts');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    expect(res.headers.get('www-authenticate')).toMatch(/scope="toolgate:approve"/);
    const [event] = await gateway.store.audit.query({ kind: 'auth.denied', newestFirst: true, limit: 1 });
    expect(event).toMatchObject({
      surface: 'api',
      actor: 'ann',
      clientId: 'some-app',
      reason: 'missing scope toolgate:approve for the approvals API',
    });
    // A good credential is not slowed by the failed-auth throttle: its refusals are audited at
    // most once a minute, or its holder could grow the log by one event a request.
    for (let i = 0; i < 5; i++) expect((await post('opaque-approver-no-consent', '/api/drafts')).status).toBe(403);
    const refusals = await gateway.store.audit.query({ kind: 'auth.denied', actor: 'ann' });
    expect(refusals.filter((e) => e.reason.startsWith('missing scope toolgate:approve'))).toHaveLength(1);
  });
});
