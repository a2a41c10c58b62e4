import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import type { ToolContext } from '../../src/contract/types.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { Store } from '../../src/store/types.js';
import { agent } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

// The tool context and its deadline (issue #15 reshaped them for speed): what a handler can and
// cannot do with its context, and that no run leaves anything behind on the caller's signal.
const base = {
  input: z.object({}),
  output: z.object({ done: z.boolean() }),
  scopes: ['billing:read'],
  tenant: 'caller' as const,
};
const readsSignalAndAnswersAtOnce = defineTool({
  ...base,
  name: 'read_signal_sync',
  description: 'Reads its signal, answers without awaiting (test tool).',
  handler: (_input, ctx) => ({ done: !ctx.signal.aborted }),
});
const readsSignalAndAwaits = defineTool({
  ...base,
  name: 'read_signal_async',
  description: 'Reads its signal, answers after a tick (test tool).',
  handler: async (_input, ctx) => {
    void ctx.signal;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { done: true };
  },
});
const triesToSwitchOffItsDeadline = defineTool({
  ...base,
  name: 'tamper_with_deadline',
  description: 'Tries to disarm its own deadline (test tool).',
  limits: { timeoutMs: 100 },
  handler: (_input, ctx) => {
    const loose = ctx as unknown as Record<string, unknown>;
    loose.aborted = { reason: 'mine' };
    if (typeof loose.abort === 'function') (loose.abort as (r: unknown) => void)('mine');
    if (typeof loose.dispose === 'function') (loose.dispose as () => void)();
    return new Promise<{ done: boolean }>(() => undefined); // never answers
  },
});
const throwsItsOwnErrorWhenCancelled = defineTool({
  ...base,
  name: 'own_error_on_cancel',
  description: 'Throws its own error on seeing its signal aborted (test tool).',
  handler: async (_input, ctx: ToolContext) => {
    if (ctx.signal.aborted) throw new Error('handler noticed the abort first');
    return { done: true };
  },
});
const slowToStart = defineTool({
  ...base,
  name: 'slow_synchronous_start',
  description: 'Spends most of its deadline before its first await (test tool).',
  limits: { timeoutMs: 300 },
  handler: () => {
    const until = Date.now() + 250;
    while (Date.now() < until); // a synchronous start the deadline must count
    return new Promise<{ done: boolean }>(() => undefined);
  },
});

let store: Store;
let cleanup: () => Promise<void>;
let gw: Gateway;
beforeEach(async () => {
  ({ store, cleanup } = await tempSqliteStore());
  gw = createGateway({
    tools: [
      readsSignalAndAnswersAtOnce,
      readsSignalAndAwaits,
      triesToSwitchOffItsDeadline,
      throwsItsOwnErrorWhenCancelled,
      slowToStart,
    ],
    store,
  });
});
afterEach(async () => cleanup());

const call = (tool: string, signal?: AbortSignal) =>
  gw.call({ tool, args: {}, principal: agent, client: 'support_app', surface: 'internal', requestId: 'r', signal });

describe('the tool context', () => {
  it('leaves no listener on a shared caller signal, whether the handler answered at once or awaited', async () => {
    const shared = new AbortController();
    for (let i = 0; i < 5; i++) {
      expect((await call('read_signal_sync', shared.signal)).ok).toBe(true);
      expect((await call('read_signal_async', shared.signal)).ok).toBe(true);
    }
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('gives tool code no way to disarm its deadline or end its run with its own value', async () => {
    const result = await call('tamper_with_deadline');
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
  });

  it('a caller already gone wins over the error the handler throws on noticing it', async () => {
    const gone = new AbortController();
    gone.abort();
    const result = await call('own_error_on_cancel', gone.signal);
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
    const [event] = await store.audit.query({ tool: 'own_error_on_cancel' });
    expect(event?.reason).toMatch(/caller aborted/);
  });

  it('counts the synchronous start against the deadline', async () => {
    const started = Date.now();
    const result = await call('slow_synchronous_start');
    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
    // Deadline 300 ms, 250 of them spent before the first await: answered near 300, not 550.
    expect(Date.now() - started).toBeLessThan(450);
  });
});
