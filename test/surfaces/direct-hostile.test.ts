import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { staticCredentials } from '../../src/credentials/provider.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { UNTRUSTED_CONTENT_NOTE } from '../../src/guard/wrap.js';
import {
  lastToolResults,
  reply,
  startScriptedModel,
  type Script,
  type ScriptedModel,
} from '../../src/scripted-model/server.js';
import type { Store } from '../../src/store/types.js';
import { runToolLoop, toolLoopProgressOf, type ToolLoopOptions } from '../../src/surfaces/direct/run-tool-loop.js';
import { toolResultFor } from '../../src/surfaces/direct/tool-result.js';
import { messagesTools } from '../../src/surfaces/direct/tool-definitions.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * The direct route against a misbehaving model (outside probe, 2026-12-07): a cancelled loop,
 * a model API that fails after tools ran, repeated ids, too many calls in one turn, a made-up
 * name that is a credential, a `tool_use` stop with no block.
 */
const agent = { actorId: 'usr_ada', tenant: 'acme', roles: ['support'], scopes: ['billing:read', 'tickets:read'] };
const SECRET = 'walkthrough-billing-credential-7f3a9c';
const LOOKUP = { customer_id: 'cus_123', reason: 'customer asked about billing' };

let store: Store;
let cleanup: () => Promise<void>;
let gateway: Gateway;
let model: ScriptedModel | undefined;
beforeEach(async () => {
  ({ store, cleanup } = await tempSqliteStore());
  gateway = gatewayWith(walkthroughCredentials);
});
const gatewayWith = (credentials: ReturnType<typeof staticCredentials>) =>
  createGateway({
    tools: walkthroughTools,
    credentials,
    store,
    toolsets: { support_app: ['get_customer_billing_summary'] },
  });
afterEach(async () => {
  await model?.close();
  model = undefined;
  await cleanup();
});

async function loop(script: Script, extra: Partial<ToolLoopOptions> = {}) {
  model = await startScriptedModel(script);
  return runToolLoop({
    anthropic: new Anthropic({ apiKey: 'scripted', baseURL: model.url, maxRetries: 0 }),
    gateway,
    principal: agent,
    client: 'support_app',
    params: { model: 'claude-sonnet-5-5', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] },
    ...extra,
  });
}
const audited = async () => (await store.audit.query({})).filter((e) => e.kind === 'tool_call');
const lookup = (id: string) => reply.toolUse('get_customer_billing_summary', LOOKUP, id);

describe('the direct route against a misbehaving model', () => {
  it('runs no further call once the signal aborts; the abort error, as thrown, says which ran', async () => {
    const controller = new AbortController();
    gateway.onCall(() => controller.abort()); // cancelled as the first call finishes
    const thrown = await loop(() => ({ stop_reason: 'tool_use', content: [lookup('toolu_a'), lookup('toolu_b')] }), {
      signal: controller.signal,
    }).catch((error: unknown) => error);
    // Thrown as it was (an app's `name === 'AbortError'` check still works), with the progress on it.
    expect((thrown as Error).name).toBe('AbortError');
    const progress = toolLoopProgressOf(thrown)!;
    expect(progress.calls.map((c) => c.toolUseId)).toEqual(['toolu_a']);
    expect(progress.calls[0]?.auditId).toMatch(/^aud_/);
    expect((await audited()).map((e) => e.callId)).toEqual(['toolu_a']);
    // The conversation can be resumed: the turn is answered, what ran and what did not.
    const last = progress.messages.at(-1)!;
    expect(last.role).toBe('user');
    const results = last.content as { tool_use_id: string; is_error?: boolean; content: string }[];
    expect(results.map((r) => [r.tool_use_id, r.is_error ?? false])).toEqual([
      ['toolu_a', false],
      ['toolu_b', true],
    ]);
    expect(results[1]?.content).toMatch(/^Not run: the loop stopped/);
  });

  it('toolResultFor with a signal already aborted runs nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const caller = { gateway, principal: agent, client: 'support_app', signal: controller.signal };
    await expect(toolResultFor(caller, lookup('toolu_late'))).rejects.toMatchObject({ name: 'AbortError' });
    expect(await audited()).toEqual([]);
  });

  it('keeps the calls and the conversation when the model API fails after tools ran', async () => {
    const thrown = await loop((_request, turn) => {
      if (turn === 1) return { stop_reason: 'tool_use', content: [lookup('toolu_1')] };
      throw new Error('overloaded');
    }).catch((error: unknown) => error);
    // The SDK's own typed error, as an app already catches it.
    expect(thrown).toBeInstanceOf(Anthropic.InternalServerError);
    const progress = toolLoopProgressOf(thrown)!;
    expect(progress.calls).toMatchObject([{ toolUseId: 'toolu_1', ok: true }]);
    expect(progress.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(toolLoopProgressOf(new Error('unrelated'))).toBeUndefined();
  });

  it('answers a tool_use id reused in a later turn as an error, without running it again', async () => {
    const out = await loop((_request, turn) =>
      turn <= 2
        ? { stop_reason: 'tool_use', content: [lookup('toolu_same')] }
        : { stop_reason: 'end_turn', content: [reply.text('done')] },
    );
    expect(out.calls).toMatchObject([
      { toolUseId: 'toolu_same', ok: true },
      { toolUseId: 'toolu_same', ok: false, auditId: null, errorCode: 'invalid_input' },
    ]);
    const second = lastToolResults(model!.requests[2]!);
    expect(second).toMatchObject([{ tool_use_id: 'toolu_same', is_error: true }]);
    expect(await audited()).toHaveLength(1);
  });

  it('answers a repeated tool_use id once and runs it once', async () => {
    const out = await loop((_request, turn) =>
      turn === 1
        ? { stop_reason: 'tool_use', content: [lookup('toolu_dup'), lookup('toolu_dup')] }
        : { stop_reason: 'end_turn', content: [reply.text('done')] },
    );
    expect(lastToolResults(model!.requests[1]!).map((r) => r.tool_use_id)).toEqual(['toolu_dup']);
    expect(out.calls).toMatchObject([
      { toolUseId: 'toolu_dup', ok: true },
      { toolUseId: 'toolu_dup', ok: false, auditId: null, errorCode: 'invalid_input' },
    ]);
    expect(await audited()).toHaveLength(1);
  });

  it('runs at most maxToolCallsPerTurn calls a turn and answers the rest as errors', async () => {
    const out = await loop(
      (_request, turn) =>
        turn === 1
          ? { stop_reason: 'tool_use', content: [lookup('toolu_1'), lookup('toolu_2'), lookup('toolu_3')] }
          : { stop_reason: 'end_turn', content: [reply.text('done')] },
      { maxToolCallsPerTurn: 2 },
    );
    const sent = lastToolResults(model!.requests[1]!);
    expect(sent.map((r) => [r.tool_use_id, r.is_error ?? false])).toEqual([
      ['toolu_1', false],
      ['toolu_2', false],
      ['toolu_3', true],
    ]);
    expect(String(sent[2]?.content)).toContain('at most 2 tool calls');
    expect(out.calls[2]).toMatchObject({ ok: false, auditId: null, errorCode: 'rate_limited' });
    expect(await audited()).toHaveLength(2);
    for (const bad of [0, 1.5, Number.NaN]) {
      await model!.close();
      await expect(
        loop(() => ({ stop_reason: 'end_turn', content: [] }), { maxToolCallsPerTurn: bad }),
      ).rejects.toThrow(RangeError);
    }
  });

  it('tells the model that untrusted content is data, unless asked not to', async () => {
    const done: Script = () => ({ stop_reason: 'end_turn', content: [reply.text('ok')] });
    await loop(done);
    expect(model!.requests[0]?.system).toBe(UNTRUSTED_CONTENT_NOTE);
    await model!.close();
    await loop(done, {
      params: { model: 'm', max_tokens: 8, system: 'You help Acme.', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(model!.requests[0]?.system).toBe(`You help Acme.\n\n${UNTRUSTED_CONTENT_NOTE}`);
    await model!.close();
    await loop(done, { untrustedContentNote: false });
    expect(model!.requests[0]?.system).toBeUndefined();
    await model!.close();
    const blocks = [{ type: 'text' as const, text: 'You help Acme.' }];
    await loop(done, {
      params: { model: 'm', max_tokens: 8, system: blocks, messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(model!.requests[0]?.system).toEqual([...blocks, { type: 'text', text: UNTRUSTED_CONTENT_NOTE }]);
  });

  it('shows a made-up tool name masked in the calls it returns, as the audit does', async () => {
    gateway = gatewayWith(staticCredentials({ demo: { acme_billing_read: SECRET } }, 'demo'));
    const out = await loop((_request, turn) =>
      turn === 1
        ? { stop_reason: 'tool_use', content: [reply.toolUse(`x_${SECRET}`, {}, 'toolu_s')] }
        : { stop_reason: 'end_turn', content: [reply.text('done')] },
    );
    expect(out.calls[0]?.name).not.toContain(SECRET);
    expect(out.calls[0]?.name).toContain('[REDACTED:credential]');
    expect(out.calls[0]?.errorCode).toBe('not_found');
  });

  it('messagesTools refuses to list without the caller (a JavaScript caller can still leave it out)', () => {
    expect(() => messagesTools(gateway, 'support_app', undefined as never)).toThrow(TypeError);
  });

  it('stops on a tool_use stop that carries no tool_use block instead of sending an empty turn', async () => {
    const out = await loop(() => ({ stop_reason: 'tool_use', content: [reply.text('let me see')] }));
    expect(out.stoppedBecause).toBe('tool_use');
    expect(model!.requests).toHaveLength(1);
    expect(out.messages.at(-1)).toMatchObject({ role: 'assistant' });
  });
});
