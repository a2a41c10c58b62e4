import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { AGENT_TOKEN, NARROW_TOKEN, startTestServer } from '../helpers/http-server.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({
    tools: walkthroughTools,
    credentials: walkthroughCredentials,
    toolsets: {
      claude_code: ['get_customer_billing_summary', 'search_support_ticket'],
      api_connector: ['get_customer_billing_summary'],
    },
  });
});
afterAll(async () => server.stop());

async function connect(token?: string): Promise<Client> {
  const client = new Client({ name: 'toolgate-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(
    new URL(`${server.url}/mcp`),
    token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {},
  );
  await client.connect(transport);
  return client;
}

describe('MCP over Streamable HTTP with the official SDK client', () => {
  it("lists the toolset of the token's client, with schemas and annotations", async () => {
    const client = await connect(AGENT_TOKEN);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_customer_billing_summary', 'search_support_ticket']);
    const billing = tools.find((t) => t.name === 'get_customer_billing_summary');
    expect(billing?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(billing?.inputSchema).toMatchObject({ type: 'object', required: ['customer_id', 'reason'] });
    expect(billing?.outputSchema).toMatchObject({ type: 'object' });
    await client.close();
    const narrow = await connect(NARROW_TOKEN);
    expect((await narrow.listTools()).tools.map((t) => t.name)).toEqual(['get_customer_billing_summary']);
    await narrow.close();
  });

  it(
    'calls a tool through the pipeline: structured content, text, and an audit event ' + 'on the mcp_http surface',
    async () => {
      const client = await connect(AGENT_TOKEN);
      const result = await client.callTool({
        name: 'get_customer_billing_summary',
        arguments: { customer_id: 'cus_123', reason: 'customer asked about billing' },
      });
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        billing_status: 'past_due',
        source_records: ['inv_789', 'inv_790'],
      });
      const text = (result.content as { type: string; text: string }[])[0]?.text ?? '';
      expect(JSON.parse(text)).toEqual(result.structuredContent);
      const [event] = await server.store.audit.query({
        tool: 'get_customer_billing_summary',
        newestFirst: true,
        limit: 1,
      });
      expect(event).toMatchObject({ surface: 'mcp_http', client: 'claude_code', actor: 'usr_ada', outcome: 'ok' });
      await client.close();
    },
  );

  it('serves protocol 2026-07-28 to a client pinned to it, as well as the 2025 era', async () => {
    const seen: (string | null)[] = [];
    const modern = new Client(
      { name: 'modern', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await modern.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${AGENT_TOKEN}` } },
        fetch: async (url, init) => {
          seen.push(new Headers(init?.headers).get('mcp-protocol-version'));
          return fetch(url, init);
        },
      }),
    );
    expect((await modern.listTools()).tools).toHaveLength(2);
    const result = await modern.callTool({
      name: 'get_customer_billing_summary',
      arguments: { customer_id: 'cus_123', reason: 'modern era call' },
    });
    expect(result.structuredContent).toMatchObject({ billing_status: 'past_due' });
    expect(seen.filter((v) => v !== null).every((v) => v === '2026-07-28')).toBe(true);
    expect(seen).toContain('2026-07-28');
    await modern.close();
  });

  it('returns a typed isError result for a denied call, and the call is audited', async () => {
    const client = await connect(AGENT_TOKEN);
    const result = await client.callTool({
      name: 'get_customer_billing_summary',
      arguments: { customer_id: 'cus_900', reason: 'cross tenant probe' },
    });
    expect(result.isError).toBe(true);
    const body = JSON.parse((result.content as { text: string }[])[0]!.text) as {
      error: { code: string; audit_id: string };
    };
    expect(body.error.code).toBe('not_found'); // like an unknown id; the audit says tenant_mismatch
    expect(await server.store.audit.get(body.error.audit_id)).toMatchObject({ outcome: 'denied', surface: 'mcp_http' });
    await client.close();
  });

  it('answers a request without a token with 401 and a Bearer challenge; a bad token with invalid_token', async () => {
    await expect(connect()).rejects.toThrow(/401|Unauthorized/i);
    const none = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="toolgate"');
    const bad = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: 'Bearer forged-token-forged-token', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('rejects a foreign Host or Origin before authentication', async () => {
    const init = (headers: Record<string, string>) => ({
      method: 'POST',
      headers: {
        authorization: `Bearer ${AGENT_TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    const evilOrigin = await fetch(`${server.url}/mcp`, init({ origin: 'https://evil.example' }));
    expect(evilOrigin.status).toBe(403);
    const evilHost = await rawPost(`${server.url}/mcp`, 'evil.example');
    expect(evilHost.status).toBe(403);
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ status: 'ready', store: 'sqlite' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /toolgate_tool_calls_total\{tool="get_customer_billing_summary",surface="mcp_http",outcome="ok",code="none"\} \d+/,
    );
    expect(metrics).toMatch(/toolgate_denials_total\{tool="get_customer_billing_summary",code="tenant_mismatch"\} \d+/);
    expect(metrics).toContain('toolgate_tool_call_seconds_bucket');
    // Every call waits for an audit commit: their time and size are there too.
    const commits = Number(/^toolgate_audit_commit_seconds_count (\d+)$/m.exec(metrics)?.[1]);
    const events = Number(/^toolgate_audit_commit_events_sum (\d+)$/m.exec(metrics)?.[1]);
    expect(commits).toBeGreaterThan(0);
    expect(events).toBeGreaterThanOrEqual(commits);
    expect(metrics).toMatch(/^toolgate_audit_commit_seconds_bucket\{le="0\.001"\} \d+$/m);
  });
});

/** fetch() will not let us forge Host, so send the request with node:http. */
async function rawPost(url: string, host: string): Promise<{ status: number }> {
  const { request } = await import('node:http');
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          host,
          authorization: `Bearer ${AGENT_TOKEN}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  });
}
