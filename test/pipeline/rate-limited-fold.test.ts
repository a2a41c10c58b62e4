import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { FOLD_WINDOW_MS } from '../../src/gateway/rate-limited-fold.js';
import type { Store } from '../../src/store/types.js';
import { agent, credentials, fixtureTools, rateProbe } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * Outside probe (an operator of the audit log): every refused call of a caller over its limit was
 * its own audit event, thousands a second from one token, in a log that cannot be pruned. A
 * caller's rate_limited refusals of one tool are one event per window, plus one that counts them.
 */
let store: Store;
let cleanup: () => Promise<void>;
let clock = Date.UTC(2026, 11, 7, 12);
beforeEach(async () => ({ store, cleanup } = await tempSqliteStore()));
afterEach(async () => cleanup());

const gatewayAt = () => createGateway({ tools: fixtureTools, store, credentials, now: () => clock });
const callAs = (gw: ReturnType<typeof gatewayAt>, tool: string, actorId = agent.actorId) =>
  gw.call({ tool, args: {}, principal: { ...agent, actorId }, client: 'support_app', surface: 'internal' });
const limited = async () => store.audit.query({ tool: rateProbe.name, outcome: 'denied', limit: 1_000 });

describe("a caller's rate_limited refusals", () => {
  it('are one event per window: the rest answer citing it, and one more event counts them', async () => {
    const gw = gatewayAt();
    expect((await callAs(gw, rateProbe.name)).ok).toBe(true);
    const refused = [];
    for (let i = 0; i < 40; i++) refused.push(await callAs(gw, rateProbe.name));
    expect(refused.every((r) => !r.ok && r.error.code === 'rate_limited')).toBe(true);
    const [first] = await limited();
    expect(first).toMatchObject({ errorCode: 'rate_limited', outcome: 'denied' });
    expect(await limited()).toHaveLength(1); // not 40
    expect(new Set(refused.map((r) => r.auditId))).toEqual(new Set([first!.id]));
    expect(JSON.parse(refused[39]!.text).error.audit_id).toBe(first!.id);

    await gw.stop(); // shutdown writes the open window's count
    const events = await limited();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      actor: agent.actorId,
      errorCode: 'rate_limited',
      data: { folded: 39, foldedInto: first!.id },
    });
    expect(events[1]!.reason).toMatch(
      /^39 more calls refused rate_limited in the 60 s from .*, each answered citing aud_/,
    );
    expect((await store.audit.verify()).ok).toBe(true);
  });

  it('start a new window once one is over, and the window before is counted then', async () => {
    const gw = gatewayAt();
    await callAs(gw, rateProbe.name);
    for (let i = 0; i < 5; i++) await callAs(gw, rateProbe.name);
    clock += FOLD_WINDOW_MS + 1_000; // the bucket refills one token a minute
    expect((await callAs(gw, rateProbe.name)).ok).toBe(true);
    const next = await callAs(gw, rateProbe.name);
    expect(next.ok).toBe(false);
    await gw.idle();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the count is written without a caller waiting
    const events = await limited();
    expect(events.map((e) => e.data?.folded ?? null)).toEqual([null, 4, null]);
    expect(next.auditId).toBe(events[2]!.id);
  });

  it('never cite an event that is not in the log: when the first could not be written, the next is', async () => {
    const gw = gatewayAt();
    await callAs(gw, rateProbe.name); // allowed
    const append = store.audit.append.bind(store.audit);
    let failNext = true;
    store.audit.append = async (event) => {
      if (failNext && event.errorCode === 'rate_limited') {
        failNext = false;
        throw new Error('disk full');
      }
      return append(event);
    };
    const lost = await callAs(gw, rateProbe.name);
    expect(!lost.ok && lost.error.code).toBe('unavailable'); // its event could not be written
    const second = await callAs(gw, rateProbe.name);
    const third = await callAs(gw, rateProbe.name);
    const events = await limited();
    expect(events.map((e) => e.id)).toEqual([second.auditId]);
    expect(third.auditId).toBe(second.auditId);
    expect(second.auditId).not.toBe(lost.auditId);
  });

  it('of made-up tool names share one fold: the refusal budget cannot be walked round with new names', async () => {
    const gw = gatewayAt();
    for (let i = 0; i < 60; i++) await callAs(gw, `no_such_tool_${i}`, 'usr_guess');
    const events = await store.audit.query({ actor: 'usr_guess', limit: 100 });
    // The budget's 10 not_found refusals, then one rate_limited for all 50 after them.
    expect(events.map((e) => e.errorCode)).toEqual([...Array(10).fill('not_found'), 'rate_limited']);
    await gw.stop();
    const [summary] = await store.audit.query({ actor: 'usr_guess', limit: 1, newestFirst: true });
    expect(summary!.data).toMatchObject({ folded: 49 });
  });

  it('leave a call that ran alone: a handler that throws rate_limited (an upstream 429) keeps its events', async () => {
    const upstream429 = defineTool({
      name: 'get_upstream_quota',
      description: "Return the upstream's quota of the caller's tenant, for this test.",
      input: z.object({}),
      output: z.object({ ok: z.boolean() }),
      scopes: ['billing:read'],
      tenant: 'caller',
      handler: () => {
        throw new ToolgateError('rate_limited', 'The upstream is busy.');
      },
    });
    const gw = createGateway({ tools: [upstream429], store, credentials, now: () => clock });
    for (let i = 0; i < 5; i++) await callAs(gw, 'get_upstream_quota');
    expect(await store.audit.query({ tool: 'get_upstream_quota', limit: 100 })).toHaveLength(5);
  });

  it('end their window when the clock goes back, rather than holding it open for as long', async () => {
    const gw = gatewayAt();
    for (let i = 0; i < 4; i++) await callAs(gw, rateProbe.name); // allowed, then a window of 2 folded
    clock -= 3_600_000; // an hour back
    await callAs(gw, rateProbe.name);
    await gw.idle();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await limited()).map((e) => e.data?.folded ?? null)).toEqual([null, 2, null]);
  });

  it('are folded per caller and per tool: another caller, or a refusal of another kind, gets its own event', async () => {
    const gw = gatewayAt();
    for (const actor of ['usr_a', 'usr_b']) for (let i = 0; i < 4; i++) await callAs(gw, rateProbe.name, actor);
    expect((await limited()).map((e) => e.actor)).toEqual(['usr_a', 'usr_b']);
    // A tool it may not call: each refusal its own event, until the refusal budget turns them into rate_limited.
    for (let i = 0; i < 15; i++) await callAs(gw, 'delete_customer_record', 'usr_c');
    const refusals = await store.audit.query({ actor: 'usr_c', limit: 100 });
    expect(refusals.map((e) => e.errorCode)).toEqual([...Array(10).fill('forbidden'), 'rate_limited']);
  });
});
