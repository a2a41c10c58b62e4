import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRAFT_STATUSES, LIFECYCLE, nextStatus, type DraftEvent } from '../../src/actions/lifecycle.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { DraftStatus, Store } from '../../src/store/types.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { approver, refundAction, refundCredentials, requester } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

// The lifecycle, written out by hand (not derived from the table it checks): every status ×
// every event, where it may go. Anything absent is a refused transition.
const EXPECTED: Partial<Record<DraftStatus, Partial<Record<DraftEvent, DraftStatus>>>> = {
  awaiting_approval: {
    approval_recorded: 'awaiting_approval',
    approve: 'approved',
    reject: 'rejected',
    expire: 'expired',
  },
  approved: { start: 'executing' },
  executing: { succeed: 'executed', fail: 'failed', outcome_unknown: 'unresolved' },
  executed: { verify_ok: 'verified', verify_mismatch: 'unverified', rollback: 'rolled_back' },
  verified: { rollback: 'rolled_back' },
  unverified: { rollback: 'rolled_back', reverify_ok: 'verified', reverify_mismatch: 'unverified' },
  unresolved: { retry: 'executing', close: 'failed', reconcile_seen: 'executed' },
};
const EVENTS = Object.keys(LIFECYCLE) as DraftEvent[];

describe('the draft lifecycle table', () => {
  it('allows exactly the expected transitions: every status × every event', () => {
    expect(DRAFT_STATUSES).toHaveLength(11);
    for (const status of DRAFT_STATUSES) {
      for (const event of EVENTS) {
        expect({ status, event, to: nextStatus(status, event) }).toEqual({
          status,
          event,
          to: EXPECTED[status]?.[event] ?? null,
        });
      }
    }
  });

  it('terminal statuses accept no event at all', () => {
    for (const status of ['failed', 'rejected', 'expired', 'rolled_back'] as const) {
      expect(EVENTS.filter((event) => nextStatus(status, event) !== null)).toEqual([]);
    }
  });
});

// What people can do (approve, reject, rollback, an operator's retry or close), tried on a draft in
// every status through the real service: each refusal is typed, audited and changes nothing.
type PersonEvent = 'approve' | 'reject' | 'rollback' | 'retry' | 'close' | 'reverify';
const PERSON_EVENTS: readonly PersonEvent[] = ['approve', 'reject', 'rollback', 'retry', 'close', 'reverify'];
/** The table's event a person's act stands for (reverify's outcome picks one of two, from the same statuses). */
const tableEventOf = (event: PersonEvent): DraftEvent => (event === 'reverify' ? 'reverify_ok' : event);

let api: FakeRefundApi;
let store: Store;
let cleanup: () => Promise<void>;
let gw: Gateway;
beforeEach(async () => {
  api = await startFakeRefundApi();
  ({ store, cleanup } = await tempSqliteStore());
  gw = createGateway({ tools: [refundAction(api.url)], store, credentials: refundCredentials });
});
afterEach(async () => {
  await api.close();
  await cleanup();
});

async function draftIn(status: DraftStatus): Promise<string> {
  const args = { invoice_id: 'inv_789', amount_usd: 12, reason: 'duplicate charge' };
  const drafted = await gw.call({
    tool: 'create_refund_draft',
    args,
    principal: requester,
    client: 'app',
    surface: 'direct',
  });
  if (!drafted.ok) throw new Error(drafted.text);
  const id = (drafted.structured as { draft_id: string }).draft_id;
  const row = await store.drafts.get(id);
  await store.drafts.update(id, row!.version, { status }, new Date().toISOString());
  return id;
}

function act(event: PersonEvent, id: string) {
  const request = { reason: 'walking the lifecycle', surface: 'cli' as const };
  if (event === 'retry' || event === 'close') return gw.actions.resolve(id, approver(), event, request);
  return gw.actions[event](id, approver(), request);
}

describe('every refused transition, through the real paths', () => {
  for (const status of DRAFT_STATUSES) {
    for (const event of PERSON_EVENTS) {
      if (EXPECTED[status]?.[tableEventOf(event)]) continue;
      it(`${event} on a ${status} draft is refused, audited, and changes nothing`, async () => {
        const id = await draftIn(status);
        const before = await store.drafts.get(id);
        await expect(act(event, id)).rejects.toMatchObject({
          code: 'conflict',
          message: expect.stringMatching(new RegExp(`is ${status}`)),
        });
        const after = await store.drafts.get(id);
        expect(after).toMatchObject({ status, version: before!.version });
        const refusals = await store.audit.query({ limit: 10 });
        expect(refusals.some((e) => /refused$/.test(e.kind) && e.decision === 'deny')).toBe(true);
      });
    }
  }

  it('the allowed ones from a real draft: approve executes once and verifies; rollback then undoes it', async () => {
    const id = await draftIn('awaiting_approval');
    expect((await act('approve', id)).status).toBe('verified');
    expect((await act('rollback', id)).status).toBe('rolled_back');
    expect(api.createRequests).toHaveLength(1);
    const kinds = (await store.audit.query({ limit: 50 })).map((e) => e.kind);
    for (const kind of ['approved', 'executing', 'executed', 'verified', 'rolled_back']) {
      expect(kinds).toContain(`action.${kind}`);
    }
  });
});
