import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';

// Issue #15: the node:http fast path answers the common stateless requests itself. It must answer
// exactly what the SDK answers (apart from framing: JSON instead of one SSE event), make every edge
// check the Hono route makes, and hand everything else to the SDK unchanged.
const APPROVER = 'approver-token-fastpath-0123456';
const config = {
  tools: walkthroughTools,
  credentials: walkthroughCredentials,
  server: {
    maxBodyBytes: 65_536,
    tokens: [
      { token: AGENT_TOKEN, principal: agentPrincipal(), client: 'claude_code' },
      { token: APPROVER, principal: { ...agentPrincipal(), actorId: 'usr_lead' }, client: 'console', canApprove: true },
    ],
  },
};
function agentPrincipal() {
  return { actorId: 'agent_support', tenant: 'acme', roles: ['support'], scopes: ['billing:read', 'support:read'] };
}

let fast: Awaited<ReturnType<typeof startTestServer>>;
let sdk: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  fast = await startTestServer(config);
  sdk = await startTestServer(config, { TOOLGATE_FAST_PATH: 'off' });
});
afterAll(async () => {
  await fast.stop();
  await sdk.stop();
});

const headers = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
  authorization: `Bearer ${AGENT_TOKEN}`,
  ...extra,
});

async function post(url: string, body: unknown, extra: Record<string, string> = {}) {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: headers(extra),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { res, text, message: parseMessage(res.headers.get('content-type'), text) };
}

/** The JSON-RPC message in a JSON body or in the single SSE event the SDK sends. */
function parseMessage(type: string | null, text: string): unknown {
  if (!text) return null;
  if (type?.includes('text/event-stream')) {
    const data = text.split('\n').find((line) => line.startsWith('data: '));
    return data ? JSON.parse(data.slice(6)) : null;
  }
  return JSON.parse(text);
}

/** Audit ids differ between two servers; everything else must not. */
const normalize = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/aud_[0-9A-Z]{26}/g, 'aud_X'));

const CALL = {
  name: 'get_customer_billing_summary',
  arguments: { customer_id: 'cus_123', reason: 'customer asked about billing' },
};
const REQUESTS: Record<string, Record<string, unknown>> = {
  initialize: {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
  },
  ping: { jsonrpc: '2.0', id: 'p', method: 'ping' },
  'tools/list': { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  'tools/call': { jsonrpc: '2.0', id: 3, method: 'tools/call', params: CALL },
  'tools/call (tool error)': {
    jsonrpc: '2.0',
    id: 4,
    method: 'tools/call',
    params: { name: 'get_customer_billing_summary', arguments: { customer_id: 7 } },
  },
  'tools/call (unknown tool)': { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'nope' } },
};

describe('the fast path answers what the SDK answers', () => {
  for (const [name, request] of Object.entries(REQUESTS)) {
    it(name, async () => {
      const viaFast = await post(fast.url, request);
      const viaSdk = await post(sdk.url, request);
      expect(viaFast.res.headers.get('content-type')).toBe('application/json');
      expect(viaSdk.res.headers.get('content-type')).toContain('text/event-stream');
      expect(viaFast.res.status).toBe(viaSdk.res.status);
      expect(normalize(viaFast.message)).toEqual(normalize(viaSdk.message));
    });
  }

  it('a notification is accepted with 202 and no body, as the SDK does', async () => {
    const note = { jsonrpc: '2.0', method: 'notifications/initialized' };
    const [a, b] = [await post(fast.url, note), await post(sdk.url, note)];
    expect([a.res.status, a.text]).toEqual([202, '']);
    expect(b.res.status).toBe(202);
  });

  it('every tools/call answer names an audit event that is already on disk', async () => {
    const { message } = await post(fast.url, REQUESTS['tools/call']);
    const auditId = (message as { result: { _meta: Record<string, string> } }).result._meta['io.toolgate/audit_id'];
    const event = await fast.store.audit.get(auditId as string);
    expect(event).toMatchObject({ tool: 'get_customer_billing_summary', surface: 'mcp_http', outcome: 'ok' });
  });
});

describe('the fast path makes every edge check the Hono route makes', () => {
  it('a foreign Host is refused (DNS rebinding)', async () => {
    const { res } = await postRaw(fast.url, REQUESTS.ping, { host: 'evil.example' });
    expect(res).toBe(403);
  });
  it('a foreign Origin is refused', async () => {
    const { res } = await post(fast.url, REQUESTS.ping, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
  });
  it('a body over the limit is refused with 413 before it is parsed', async () => {
    const { res } = await post(fast.url, { ...REQUESTS.ping, pad: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
  });
  it('a batch under 2025-06-18 or later is refused', async () => {
    const { res, message } = await post(fast.url, [REQUESTS.ping, REQUESTS.ping]);
    expect(res.status).toBe(400);
    expect(JSON.stringify(message)).toMatch(/batches are not part of MCP 2025-11-25/);
  });
  it('a wrong token gets the RFC 6750 challenge, and the refusal is audited', async () => {
    const { res } = await post(fast.url, REQUESTS['tools/list'], { authorization: 'Bearer not-a-token-at-all' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const denied = await fast.store.audit.query({ kind: 'auth.denied' });
    expect(denied.length).toBeGreaterThan(0);
  });
  it('a token in the query string is refused', async () => {
    const res = await fetch(`${fast.url}/mcp?access_token=${AGENT_TOKEN}`, {
      method: 'POST',
      headers: headers({ authorization: '' }),
      body: JSON.stringify(REQUESTS.ping),
    });
    expect(res.status).toBe(400);
  });
  it('an approver credential cannot drive a model client', async () => {
    const { res } = await post(fast.url, REQUESTS['tools/list'], { authorization: `Bearer ${APPROVER}` });
    expect(res.status).toBe(403);
  });
});

describe('everything else goes to the SDK unchanged', () => {
  it('a method the fast path does not serve', async () => {
    const { res, message } = await post(fast.url, { jsonrpc: '2.0', id: 9, method: 'resources/list' });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(message).toMatchObject({ error: { code: -32601 } });
  });
  it('a 2026-07-28 request (its envelope is the SDK’s to check)', async () => {
    const { res, message } = await post(fast.url, REQUESTS['tools/list'], { 'mcp-protocol-version': '2026-07-28' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(message)).toMatch(/envelope/);
  });
  it('malformed JSON gets the SDK’s parse error', async () => {
    const { message } = await post(fast.url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(message).toMatchObject({ error: { code: -32700 } });
  });
  it('a client that does not accept JSON gets what the SDK gives it', async () => {
    const viaFast = await post(fast.url, REQUESTS.ping, { accept: 'text/event-stream' });
    const viaSdk = await post(sdk.url, REQUESTS.ping, { accept: 'text/event-stream' });
    expect(viaFast.res.status).toBe(viaSdk.res.status);
  });
});

async function postRaw(url: string, body: unknown, extra: Record<string, string>): Promise<{ res: number }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`${url}/mcp`, { method: 'POST', headers: headers(extra) }, (res) => {
      res.resume();
      resolve({ res: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
