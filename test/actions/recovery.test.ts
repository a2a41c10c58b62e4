import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEASE_MARGIN_MS } from '../../src/actions/recovery.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { approver, draftRefund, refundAction, refundCredentials } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * Settling drafts left `executing` (recovery.ts) when more than one instance shares the database:
 * a draft another instance is still executing is not interrupted, and one draft that cannot be
 * settled does not stop the rest.
 */
let api: FakeRefundApi;
let t: Awaited<ReturnType<typeof tempSqliteStore>>;
const others: Store[] = [];
beforeEach(async () => {
  api = await startFakeRefundApi();
  t = await tempSqliteStore();
});
afterEach(async () => {
  for (const store of others.splice(0)) await store.close();
  await api.close();
  await t.cleanup();
});

const PAST_LEASE = 2 * 30_000 + LEASE_MARGIN_MS + 1_000;

async function secondInstance(tools = [refundAction(api.url)], now?: () => number) {
  const store = await openSqliteStore({ path: t.path });
  others.push(store);
  return { store, gw: createGateway({ tools, store, credentials: refundCredentials, ...(now ? { now } : {}) }) };
}

describe('interrupted drafts with several instances', () => {
  it('an instance starting while another executes a draft leaves it alone; the write runs once, settled by its executor', async () => {
    const a = createGateway({ tools: [refundAction(api.url)], store: t.store, credentials: refundCredentials });
    const draftId = await draftRefund(a);
    api.delayNextCreateMs = 400; // the API records the refund, then holds the response
    const approving = a.actions.approve(draftId, approver(), { reason: 'refund checked', surface: 'cli' });
    while (api.createRequests.length === 0) await Promise.race([approving, new Promise((r) => setTimeout(r, 5))]);

    // A rolling restart: B starts (and looks for interrupted drafts) while A's request is in flight.
    const b = await secondInstance();
    expect(await b.gw.actions.resumeInterrupted()).toEqual([]);
    expect((await b.store.drafts.get(draftId))?.status).toBe('executing');

    expect((await approving).status).toBe('verified');
    expect(api.createRequests).toHaveLength(1);
    // Settled by A, which ran it, not by B's reconciler guessing at a write still in flight.
    const executed = await t.store.audit.query({ kind: 'action.executed' });
    expect(executed.map((e) => e.actor)).toEqual(['system:executor']);
    expect(await b.gw.actions.resumeInterrupted()).toEqual([]);
  });

  it('a draft whose action is no longer defined is logged and left; the others are settled and nothing throws', async () => {
    const a = createGateway({ tools: [refundAction(api.url)], store: t.store, credentials: refundCredentials });
    const [gone, kept] = [await draftRefund(a), await draftRefund(a)];
    // Both left `executing` by a process that died an hour ago, before any request left it.
    const startedAt = new Date(Date.now() - 3_600_000).toISOString();
    for (const id of [gone, kept]) {
      const draft = (await t.store.drafts.get(id))!;
      const state = JSON.stringify({ ...JSON.parse(draft.state), execution: { startedAt } });
      await t.store.drafts.update(id, draft.version, { status: 'executing', state }, startedAt);
    }
    // An instance without the action: before, its start-up threw and the server did not start.
    const without = await secondInstance([]);
    await expect(without.gw.actions.resumeInterrupted()).resolves.toEqual([]);

    // With the action back, both are settled (verify sees no refund: unresolved, retry-safe).
    const back = await secondInstance([refundAction(api.url)], () => Date.now() + PAST_LEASE);
    const settled = await back.gw.actions.resumeInterrupted();
    expect(settled.map((d) => [d.id, d.status]).sort()).toEqual(
      [
        [gone, 'unresolved'],
        [kept, 'unresolved'],
      ].sort(),
    );
    expect(api.createRequests).toHaveLength(0);
  });

  it('verifies a draft left executed by a process that stopped before its verify; not one still in flight', async () => {
    const a = createGateway({ tools: [refundAction(api.url)], store: t.store, credentials: refundCredentials });
    const [stopped, inFlight] = [await draftRefund(a), await draftRefund(a)];
    for (const id of [stopped, inFlight])
      await a.actions.approve(id, approver(), { reason: 'checked', surface: 'cli' });
    // As if each process had recorded `executed` and stopped before its verify: an hour ago, and now.
    for (const [id, minutesAgo] of [
      [stopped, 60],
      [inFlight, 0],
    ] as const) {
      const draft = (await t.store.drafts.get(id))!;
      const { verification: _unseen, ...state } = JSON.parse(draft.state) as Record<string, unknown>;
      const startedAt = new Date(Date.now() - minutesAgo * 60_000).toISOString();
      const execution = { ...(state.execution as object), startedAt };
      await t.store.drafts.update(
        id,
        draft.version,
        { status: 'executed', state: JSON.stringify({ ...state, execution }) },
        startedAt,
      );
    }
    // Before, nothing moved it: the sweep looked at `executing` and `approved` drafts only.
    const b = await secondInstance();
    const settled = await b.gw.actions.resumeInterrupted();
    expect(settled.map((d) => [d.id, d.status])).toEqual([[stopped, 'verified']]);
    expect((await t.store.drafts.get(inFlight))?.status).toBe('executed');
    expect(api.createRequests).toHaveLength(2); // verify only reads: no write ran again
    const verified = await t.store.audit.query({ kind: 'action.verified', actor: 'system:verifier' });
    expect(verified.filter((e) => e.sourceIds.includes(stopped))).toHaveLength(2);
  });

  it('starts an approved draft that never started, once; not one just approved, and not while writes are off', async () => {
    const a = createGateway({ tools: [refundAction(api.url)], store: t.store, credentials: refundCredentials });
    const [stranded, fresh] = [await draftRefund(a), await draftRefund(a)];
    // As when the store refused the write after the approval's: approved, and nothing to start it.
    for (const [id, minutesAgo] of [
      [stranded, 5],
      [fresh, 0],
    ] as const) {
      const draft = (await t.store.drafts.get(id))!;
      const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
      await t.store.drafts.update(id, draft.version, { status: 'approved', state: draft.state }, at);
    }
    const readOnly = await secondInstance();
    const off = createGateway({
      tools: [refundAction(api.url)],
      store: readOnly.store,
      credentials: refundCredentials,
      readOnly: true,
    });
    expect(await off.actions.resumeInterrupted()).toEqual([]);
    expect(api.createRequests).toHaveLength(0);

    // Before, nothing ever moved it: approve, reject and retry all refuse an approved draft.
    const [b, c] = [await secondInstance(), await secondInstance()];
    await Promise.all([b.gw.actions.resumeInterrupted(), c.gw.actions.resumeInterrupted()]);
    expect((await t.store.drafts.get(stranded))?.status).toBe('verified');
    expect(api.createRequests).toHaveLength(1); // two instances sweeping at once: one start wins
    expect(await t.store.audit.query({ kind: 'action.executing' })).toHaveLength(1);
    expect((await t.store.drafts.get(fresh))?.status).toBe('approved');
  });
});
