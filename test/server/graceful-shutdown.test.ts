import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { AGENT_TOKEN, postToolCall, startTestServer } from '../helpers/http-server.js';

const slow = defineTool({
  name: 'get_slow_report',
  description: 'Takes 300 ms, long enough to be in flight when shutdown starts.',
  input: z.object({}),
  output: z.object({ done: z.boolean() }),
  scopes: ['billing:read'],
  tenant: 'caller',
  handler: () => new Promise<{ done: boolean }>((resolve) => setTimeout(() => resolve({ done: true }), 300)),
});

it('graceful shutdown lets an in-flight call finish and leaves its audit event on disk', async () => {
  const server = await startTestServer({ tools: [slow] });
  const client = new Client({ name: 'shutdown-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${AGENT_TOKEN}` } },
    }),
  );
  const inFlight = client.callTool({ name: 'get_slow_report', arguments: {} });
  await new Promise((r) => setTimeout(r, 100));
  const closing = server.close();
  const result = await inFlight;
  await closing;
  expect(result.structuredContent).toEqual({ done: true });
  // New connections are refused once closed.
  await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  const store = await openSqliteStore({ path: `${server.dir}/toolgate.db` });
  expect((await store.audit.query({ tool: 'get_slow_report' })).map((e) => e.outcome)).toEqual(['ok']);
  await store.close();
  await server.stop();
});

const stubborn = defineTool({
  name: 'get_stubborn_report',
  description: 'Takes 20 s and never looks at its signal: still running when the drain ends.',
  input: z.object({}),
  output: z.object({ done: z.boolean() }),
  scopes: ['billing:read'],
  tenant: 'caller',
  limits: { timeoutMs: 30_000 },
  handler: () => new Promise<{ done: boolean }>((resolve) => setTimeout(() => resolve({ done: true }), 20_000)),
});

it('a call still running when the drain deadline passes is stopped and audited, and close() does not wait for it', async () => {
  const server = await startTestServer({ tools: [stubborn] }, { TOOLGATE_DRAIN_MS: '200' });
  const answer = postToolCall(server.url, 'get_stubborn_report').catch(() => 'cut off at the deadline');
  await new Promise((r) => setTimeout(r, 200));
  // Before: close() returned only when the handler did (20 s here, a whole timeout in general),
  // and the call's audit event then failed on the closed store.
  const closed = await Promise.race([
    server.close().then(() => 'closed'),
    new Promise((r) => setTimeout(() => r('still closing'), 10_000)),
  ]);
  expect(closed).toBe('closed');
  expect(await answer).toBe('cut off at the deadline');
  const store = await openSqliteStore({ path: `${server.dir}/toolgate.db` });
  expect((await store.audit.query({ tool: 'get_stubborn_report' })).map((e) => [e.outcome, e.errorCode])).toEqual([
    ['error', 'unavailable'],
  ]);
  await store.close();
  await server.stop();
}, 30_000);

it('/readyz reports 503 with the reason when the store is down, while /healthz stays 200', async () => {
  const server = await startTestServer({ tools: [slow] });
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  await server.store.close();
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({
    status: 'unavailable',
    store: 'sqlite',
    reason: expect.stringMatching(/closed/),
  });
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  await server.stop();
});
