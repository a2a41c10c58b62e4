import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyKeyOf } from '../../src/actions/draft-state.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { Store } from '../../src/store/types.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.js';
import { approver, refundAction, refundCredentials, requester } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

// Issue #13, item 1: a write whose outcome is unknown (timeout, reset after send) must never be
// marked `failed` on a guess — a terminal failure invites a second draft and a double refund.

let api: FakeRefundApi;
let proxy: FaultyProxy;
let store: Store;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  api = await startFakeRefundApi();
  proxy = await startFaultyProxy(api.url);
  ({ store, cleanup } = await tempSqliteStore());
});
afterEach(async () => {
  await proxy.close();
  await api.close();
  await cleanup();
});

const EXECUTE_TIMEOUT_MS = 400;
const gatewayAt = (url: string): Gateway =>
  createGateway({ tools: [refundAction(url, {}, EXECUTE_TIMEOUT_MS)], store, credentials: refundCredentials });
const decide = { reason: 'checked the invoice', surface: 'api' as const };
const lead = approver();

async function draftAndApprove(gw: Gateway) {
  const args = { invoice_id: 'inv_789', amount_usd: 40, reason: 'duplicate charge' };
  const drafted = await gw.call({
    tool: 'create_refund_draft',
    args,
    principal: requester,
    client: 'app',
    surface: 'direct',
  });
  if (!drafted.ok) throw new Error(drafted.text);
  const id = (drafted.structured as { draft_id: string }).draft_id;
  return { id, settled: await gw.actions.approve(id, lead, decide) };
}
const kinds = async () =>
  (await store.audit.query({ limit: 100 })).map((e) => e.kind).filter((k) => k.startsWith('action.'));

describe('ambiguous writes are reconciled, never guessed', () => {
  it(
    'committed upstream but answered after the deadline: verify sees it, the draft ' + 'is executed and verified',
    async () => {
      api.delayNextCreateMs = 2_000; // the refund is recorded first, then the answer hangs
      const { settled } = await draftAndApprove(gatewayAt(api.url));
      expect(settled.status).toBe('verified');
      expect(api.createRequests).toHaveLength(1);
      expect(api.refunds.size).toBe(1);
      const executed = await store.audit.query({ kind: 'action.executed' });
      expect(executed[0]).toMatchObject({
        actor: 'system:reconciler',
        reason: expect.stringMatching(/verify sees the write/),
      });
      expect(await kinds()).not.toContain('action.failed');
    },
  );

  it(
    'timed out before anything reached the upstream: unresolved and retry-safe; an ' + 'operator retry executes once',
    async () => {
      proxy.nextPosts.push('hang');
      const gw = gatewayAt(proxy.url);
      const { id, settled } = await draftAndApprove(gw);
      expect(settled.status).toBe('unresolved');
      expect(JSON.parse(settled.state).unresolved).toMatchObject({ retrySafe: true });
      expect(api.createRequests).toHaveLength(0);
      expect(gw.actions.view(settled).unresolved?.reason).toMatch(/timeout.*verify did not find the write/s);

      const retried = await gw.actions.resolve(id, approver('usr_ops'), 'retry', { ...decide, surface: 'cli' });
      expect(retried.status).toBe('verified');
      expect(api.createRequests).toHaveLength(1);
      expect(await kinds()).toEqual(
        expect.arrayContaining(['action.unresolved', 'action.operator_retry', 'action.verified']),
      );
    },
  );

  it(
    'connection reset after the request was sent, nothing committed: unresolved; an ' + 'operator can close it',
    async () => {
      proxy.nextPosts.push('reset');
      const gw = gatewayAt(proxy.url);
      const { id, settled } = await draftAndApprove(gw);
      expect(settled.status).toBe('unresolved');
      const closed = await gw.actions.resolve(id, approver('usr_ops'), 'close', decide);
      expect(closed.status).toBe('failed');
      expect(api.createRequests).toHaveLength(0);
      expect(await kinds()).toContain('action.operator_closed');
    },
  );

  it('a write that landed late is completed by the operator retry without running execute again', async () => {
    proxy.nextPosts.push('hang');
    const gw = gatewayAt(proxy.url);
    const { id, settled } = await draftAndApprove(gw);
    expect(settled.status).toBe('unresolved');
    // The upstream commits afterwards (e.g. a queued request finally applied) under the draft's key.
    const key = `tg-${id}-${settled.draftHash.slice(0, 16)}`;
    api.refunds.set(key, { id: 're_late', invoice_id: 'inv_789', amount_usd: 40, status: 'succeeded' });
    const retried = await gw.actions.resolve(id, approver('usr_ops'), 'retry', decide);
    expect(retried.status).toBe('verified');
    expect(api.createRequests).toHaveLength(0);
    expect(await kinds()).toContain('action.reconciled');
  });

  it('an upstream that refused the connection provably changed nothing: failed, and the key is released', async () => {
    const closedPort = new URL(proxy.url);
    await proxy.close();
    const { settled } = await draftAndApprove(gatewayAt(closedPort.origin));
    expect(settled.status).toBe('failed');
    expect(await kinds()).toContain('action.failed');
    proxy = await startFaultyProxy(api.url); // for afterEach
  });
});

describe("an operator's retry that loses the race to another", () => {
  // Outside probe (several instances, one database): the loser was answered 200 with the draft as
  // the winner had left it, and no audit event said it had tried.
  /**
   * An unresolved draft, and usr_late's retry of it started: past the checks, its verify held
   * until `release` is called, so usr_first can move the draft in between.
   */
  async function lateRetryHeld() {
    const gw = gatewayAt(proxy.url);
    proxy.nextPosts.push('hang');
    const { id, settled } = await draftAndApprove(gw);
    expect(settled.status).toBe('unresolved');
    let release!: () => void;
    api.holdNextLookup = new Promise<void>((done) => (release = done));
    const late = gw.actions.resolve(id, approver('usr_late'), 'retry', decide).catch((e: unknown) => e);
    await until(async () => api.holdNextLookup === null);
    const first = () => gw.actions.resolve(id, approver('usr_first'), 'retry', decide);
    return { id, late, first, release };
  }
  const refusedBy = async (actor: string) =>
    (await store.audit.query({ kind: 'action.decision_refused', actor })).map((e) => e.errorCode);

  it('is refused and audited when the other retry is still running', async () => {
    const { id, late, first, release } = await lateRetryHeld();
    proxy.nextPosts.push('hang'); // usr_first's attempt stays in flight
    const firstDone = first();
    await until(async () => (await store.drafts.get(id))?.status === 'executing');
    release();
    expect(await late).toMatchObject({ code: 'conflict', message: 'The draft changed; reload it.' });
    expect(await refusedBy('usr_late')).toEqual(['conflict']);
    expect((await firstDone).status).toBe('unresolved'); // its own attempt timed out again
    expect(api.createRequests).toHaveLength(0);
  });

  it('is refused and audited when the other retry already found the write', async () => {
    const { late, first, release } = await lateRetryHeld();
    expect((await first()).status).toBe('verified');
    release(); // usr_late's verify now sees the refund usr_first's retry made
    expect(await late).toMatchObject({ code: 'conflict' });
    expect(await refusedBy('usr_late')).toEqual(['conflict']);
    expect(api.createRequests).toHaveLength(1);
    expect((await store.audit.query({ kind: 'action.operator_retry' })).map((e) => e.actor)).toEqual(['usr_first']);
  });

  it('says so when the other closed the draft and its own verify then found the write', async () => {
    const { id, late, release } = await lateRetryHeld();
    const gw = gatewayAt(proxy.url);
    expect((await gw.actions.resolve(id, approver('usr_first'), 'close', decide)).status).toBe('failed');
    // The write landed after all (a late commit upstream), and usr_late's held verify sees it.
    const draft = (await store.drafts.get(id))!;
    api.refunds.set(idempotencyKeyOf(draft), {
      id: 're_9',
      invoice_id: 'inv_789',
      amount_usd: 40,
      status: 'succeeded',
    });
    release();
    const refused = (await late) as Error;
    expect(refused).toMatchObject({ code: 'conflict' });
    expect(refused.message).toMatch(
      /^The draft changed \(it is failed now\); reload it\. Verify sees the write upstream: /,
    );
    const [event] = await store.audit.query({ kind: 'action.decision_refused', actor: 'usr_late' });
    expect(event!.reason).toMatch(/Verify sees the write upstream/);
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the race to line up');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
