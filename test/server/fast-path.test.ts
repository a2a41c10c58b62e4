import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';
import { messageOf } from '../helpers/json-rpc-body.js';

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
  return { res, text, message: messageOf(text) };
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

// 2026-07-28: the same requests with the per-request envelope and the standard headers. The SDK
// answers `{"result":…,"jsonrpc":…}`, the fast path `{"jsonrpc":…,"result":…}`: the order of the
// keys tells which of the two served a request.
const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' },
};
function modern(request: Record<string, unknown>) {
  const params = { ...(request.params as object), _meta: ENVELOPE };
  const name = (params as { name?: string }).name;
  const extra: Record<string, string> = { 'mcp-protocol-version': MODERN, 'mcp-method': request.method as string };
  if (name !== undefined) extra['mcp-name'] = name;
  return { body: { ...request, params }, extra };
}
const servedByFastPath = (text: string) => text.startsWith('{"jsonrpc"');

async function both(body: unknown, extra: Record<string, string>) {
  const [viaFast, viaSdk] = [await post(fast.url, body, extra), await post(sdk.url, body, extra)];
  expect(viaFast.res.status).toBe(viaSdk.res.status);
  expect(normalize(viaFast.message)).toEqual(normalize(viaSdk.message));
  return { viaFast, viaSdk };
}

describe('2026-07-28 tools/list and tools/call: answered here, exactly as the SDK answers them', () => {
  for (const name of ['tools/list', 'tools/call', 'tools/call (tool error)', 'tools/call (unknown tool)']) {
    it(name, async () => {
      const { body, extra } = modern(REQUESTS[name]!);
      const { viaFast, viaSdk } = await both(body, extra);
      expect(servedByFastPath(viaFast.text)).toBe(true);
      expect(servedByFastPath(viaSdk.text)).toBe(false);
      expect(viaFast.res.headers.get('content-type')).toBe('application/json');
      expect(viaFast.message).toMatchObject({ result: { resultType: 'complete' } });
    });
  }

  it('a client that accepts only JSON is served too (the 2026 transport does not ask for both)', async () => {
    const { body, extra } = modern(REQUESTS['tools/list']!);
    const { viaFast } = await both(body, { ...extra, accept: 'application/json' });
    expect(servedByFastPath(viaFast.text)).toBe(true);
  });

  it('the tools/call answer names an audit event already on disk', async () => {
    const { body, extra } = modern(REQUESTS['tools/call']!);
    const { message } = await post(fast.url, body, extra);
    const auditId = (message as { result: { _meta: Record<string, string> } }).result._meta['io.toolgate/audit_id'];
    expect(await fast.store.audit.get(auditId as string)).toMatchObject({ outcome: 'ok', surface: 'mcp_http' });
  });
});

describe('2026-07-28 requests the SDK must judge go to it, and get its answer', () => {
  const list = () => modern(REQUESTS['tools/list']!);
  const call = () => modern(REQUESTS['tools/call']!);
  const withMeta = (m: ReturnType<typeof modern>, meta: Record<string, unknown>) => ({
    ...m,
    body: { ...m.body, params: { ...m.body.params, _meta: meta } },
  });
  const cases: Record<string, () => { body: unknown; extra: Record<string, string> }> = {
    'an envelope without clientCapabilities': () =>
      withMeta(list(), { 'io.modelcontextprotocol/protocolVersion': MODERN }),
    'a revision this server does not serve, header and body agreeing': () => {
      const m = withMeta(list(), { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2026-12-01' });
      return { ...m, extra: { ...m.extra, 'mcp-protocol-version': '2026-12-01' } };
    },
    'a body naming another revision than the header': () =>
      withMeta(list(), { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2025-11-25' }),
    'an envelope claim under a 2025 header': () => ({ ...list(), extra: { 'mcp-protocol-version': '2025-11-25' } }),
    'no Mcp-Method header': () => ({ ...list(), extra: { 'mcp-protocol-version': MODERN } }),
    'an Mcp-Method that is not the body’s method': () => ({
      ...list(),
      extra: { ...list().extra, 'mcp-method': 'ping' },
    }),
    'tools/call without Mcp-Name': () => ({
      ...call(),
      extra: { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call' },
    }),
    'tools/call whose Mcp-Name names another tool': () => ({
      ...call(),
      extra: { ...call().extra, 'mcp-name': 'nope' },
    }),
    'tools/call with a base64-wrapped Mcp-Name': () => ({
      ...call(),
      extra: { ...call().extra, 'mcp-name': `=?base64?${Buffer.from(CALL.name).toString('base64')}?=` },
    }),
    'a log level in the envelope': () => withMeta(list(), { ...ENVELOPE, 'io.modelcontextprotocol/logLevel': 'debug' }),
    'a params key the fast path does not know': () => {
      const m = list();
      return { ...m, body: { ...m.body, params: { ...m.body.params, cursor: 'abc' } } };
    },
    'a body that is not JSON by its Content-Type': () => ({
      ...list(),
      extra: { ...list().extra, 'content-type': 'text/plain' },
    }),
    'ping (not a 2026-07-28 method)': () => modern(REQUESTS.ping!),
    'initialize with an envelope': () => modern(REQUESTS.initialize!),
  };
  for (const [name, make] of Object.entries(cases)) {
    it(name, async () => {
      const { body, extra } = make();
      const { viaFast, viaSdk } = await both(body, extra);
      // Byte for byte, key order included: the SDK wrote both.
      const text = (answer: { text: string }) => answer.text.replace(/aud_[0-9A-Z]{26}/g, 'aud_X');
      expect(text(viaFast)).toBe(text(viaSdk));
    });
  }
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
  it('a request under a 2026-07-28 header without the envelope', async () => {
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
