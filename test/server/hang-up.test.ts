import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';

// A client hanging up mid-call (issue #15 made the fast path's AbortController lazy). A handler
// that watches ctx.signal is aborted and the call is audited as cancelled; a handler that never
// looks at its signal cannot be stopped by it, so it runs to its end and the audit says what it
// really did. Both routes behave the same.
const seen = { watcherAborted: 0, blindFinished: 0 };
const watcher = defineTool({
  name: 'watch_upstream',
  description: 'Waits on an upstream until its signal aborts (test tool).',
  input: z.object({}),
  output: z.object({ done: z.boolean() }),
  scopes: ['billing:read'],
  tenant: 'caller',
  limits: { timeoutMs: 5_000 },
  handler: (_input, ctx) =>
    new Promise<{ done: boolean }>((_resolve, reject) =>
      ctx.signal.addEventListener('abort', () => {
        seen.watcherAborted++;
        reject(new Error('aborted'));
      }),
    ),
});
const blind = defineTool({
  name: 'finish_regardless',
  description: 'Works for 300 ms without looking at its signal (test tool).',
  input: z.object({}),
  output: z.object({ done: z.boolean() }),
  scopes: ['billing:read'],
  tenant: 'caller',
  handler: async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    seen.blindFinished++;
    return { done: true };
  },
});

const servers: Record<string, Awaited<ReturnType<typeof startTestServer>>> = {};
beforeAll(async () => {
  servers.fast = await startTestServer({ tools: [watcher, blind] });
  servers.sdk = await startTestServer({ tools: [watcher, blind] }, { TOOLGATE_FAST_PATH: 'off' });
});
afterAll(async () => {
  for (const server of Object.values(servers)) await server.stop();
});

/** Starts a tools/call and hangs up after `afterMs`. */
async function callAndHangUp(url: string, tool: string, afterMs: number): Promise<void> {
  const controller = new AbortController();
  const pending = fetch(`${url}/mcp`, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${AGENT_TOKEN}`,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
  });
  // The SDK route sends its SSE headers at once, so the abort may land while the body is read.
  const read = pending.then((res) => res.text());
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  controller.abort();
  await expect(read).rejects.toThrow();
}

async function auditedCall(server: (typeof servers)[string], tool: string) {
  for (let i = 0; i < 50; i++) {
    const [event] = await server.store.audit.query({ tool, kind: 'tool_call' });
    if (event) return event;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no audit event for ${tool}`);
}

describe.each(['fast', 'sdk'])('a caller hanging up (%s route)', (route) => {
  it('aborts a handler that watches its signal, and the call is audited as cancelled', async () => {
    const before = seen.watcherAborted;
    await callAndHangUp(servers[route]!.url, watcher.name, 150);
    const event = await auditedCall(servers[route]!, watcher.name);
    expect(seen.watcherAborted).toBe(before + 1);
    expect(event).toMatchObject({ outcome: 'error', errorCode: 'timeout' });
    expect(event.reason).toMatch(/caller aborted/);
  });

  it('lets a handler that never reads its signal finish, and audits what it did', async () => {
    const before = seen.blindFinished;
    await callAndHangUp(servers[route]!.url, blind.name, 50);
    const event = await auditedCall(servers[route]!, blind.name);
    expect(seen.blindFinished).toBe(before + 1);
    expect(event).toMatchObject({ outcome: 'ok' });
  });
});
