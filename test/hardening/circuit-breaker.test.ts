import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { staticCredentials } from '../../src/credentials/provider.js';
import { upstreamUnavailable } from '../../src/errors/toolgate-error.js';
import { createBreakers } from '../../src/upstream/circuit-breaker.js';
import { agent, AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';

// Issue #13, item 11 (upstream half): after repeated upstream failures, calls fail fast instead of
// each waiting for the broken service; the upstream is probed again later; health is reported.
const upstreamUp = false;
let hits = 0;
const upstream = createServer((_req, res) => {
  hits++;
  res.writeHead(upstreamUp ? 200 : 503, { 'content-type': 'application/json' }).end('{"status":"ok"}');
});
let url = '';
const getStatus = defineTool({
  name: 'get_service_status',
  description: 'Return the status the internal service reports about itself.',
  input: z.object({}),
  output: z.object({ status: z.string(), source_records: z.array(z.string()) }),
  scopes: ['billing:read'],
  tenant: 'caller',
  credentials: ['status_read'],
  handler: async (_input, ctx) => {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${ctx.credential('status_read')}` },
      signal: ctx.signal,
    });
    if (!res.ok) throw upstreamUnavailable('Status service', `HTTP ${res.status}`);
    return { status: 'ok', source_records: [] };
  },
});
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/status`;
  server = await startTestServer({
    tools: [getStatus],
    credentials: staticCredentials({ test: { status_read: 'status-read-token-0123' } }, 'test'),
    server: { tokens: [{ token: AGENT_TOKEN, principal: agent, client: 'claude_code' }] },
  });
});
afterAll(async () => {
  await server.stop();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

const call = () =>
  server.gateway.call({
    tool: 'get_service_status',
    args: {},
    principal: agent,
    client: 'claude_code',
    surface: 'direct',
  });

describe('upstream circuit breaker', () => {
  it('opens after five failures: the sixth call fails fast without reaching the upstream', async () => {
    for (let i = 0; i < 5; i++) expect((await call()).ok).toBe(false);
    expect(hits).toBe(5);
    const fast = await call();
    expect(!fast.ok && fast.error).toMatchObject({
      code: 'upstream_unavailable',
      retry_after_seconds: expect.any(Number),
    });
    expect(hits).toBe(5);
    const ready = await (await fetch(`${server.url}/readyz`)).json();
    expect(ready).toMatchObject({
      status: 'ready',
      upstreams: { status_read: { state: 'open', consecutiveFailures: 5 } },
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/toolgate_upstream_circuit_open\{upstream="status_read"\} 1/);
  });

  it('half-opens after the cool-down: one probe, and a success closes it', () => {
    let now = 0;
    const breakers = createBreakers({ failureThreshold: 2, coolDownMs: 1_000, now: () => now });
    breakers.failed('api');
    breakers.failed('api');
    expect(breakers.admit('api')).toBeGreaterThan(0);
    now = 1_000;
    expect(breakers.admit('api')).toBe(0); // the probe
    expect(breakers.admit('api')).toBeGreaterThan(0); // only one at a time
    breakers.succeeded('api');
    expect(breakers.health().api?.state).toBe('closed');
    expect(breakers.admit('api')).toBe(0);
  });

  it('a failed probe opens it again for another cool-down', () => {
    let now = 0;
    const breakers = createBreakers({ failureThreshold: 1, coolDownMs: 1_000, now: () => now });
    breakers.failed('api');
    now = 1_000;
    expect(breakers.admit('api')).toBe(0);
    breakers.failed('api');
    expect(breakers.health().api?.state).toBe('open');
    expect(breakers.admit('api')).toBeGreaterThan(0);
  });
});
