import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QUEUED_AUDIT_GRACE_MS } from '../../src/actions/queued-audit.js';
import type { AuditEventInput } from '../../src/audit/event.js';
import { StoreUnavailableError } from '../../src/errors/toolgate-error.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { approver, draftRefund, refundAction, refundCredentials } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * A draft change and its audit event are two writes (the SQLite audit has its own writer thread).
 * A failure between them left the change without its event; now the event is queued in the
 * change's own transaction and the recovery sweep writes it, once (queued-audit.ts).
 */
let api: FakeRefundApi;
let t: Awaited<ReturnType<typeof tempSqliteStore>>;
beforeEach(async () => {
  api = await startFakeRefundApi();
  t = await tempSqliteStore();
});
afterEach(async () => {
  await api.close();
  await t.cleanup();
});

function setUp() {
  let clock = Date.parse('2026-12-01T10:00:00.000Z');
  const gw = createGateway({
    tools: [refundAction(api.url)],
    store: t.store,
    credentials: refundCredentials,
    now: () => clock,
  });
  return { gw, advance: (ms: number) => (clock += ms) };
}

/** Makes the audit refuse the next event of `kind`, as a full disk or a dead writer would. */
function failNextAppendOf(kind: string) {
  const audit = t.store.audit;
  const append = audit.append.bind(audit);
  audit.append = (event: AuditEventInput) => {
    if (event.kind !== kind) return append(event);
    audit.append = append;
    return Promise.reject(new StoreUnavailableError('audit append: disk full'));
  };
}

describe('the audit event of a draft change whose own write failed', () => {
  it('is written by the recovery sweep once its grace has passed, exactly once', async () => {
    const { gw, advance } = setUp();
    const draftId = await draftRefund(gw);
    failNextAppendOf('action.rejected');
    await expect(
      gw.actions.reject(draftId, approver(), { reason: 'not a double charge', surface: 'cli' }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    // The move committed; its event did not (before, that was the end of it).
    expect((await t.store.drafts.get(draftId))?.status).toBe('rejected');
    expect(await t.store.audit.query({ kind: 'action.rejected' })).toEqual([]);

    await gw.actions.resumeInterrupted(); // within the grace: its append may still be in flight
    expect(await t.store.audit.query({ kind: 'action.rejected' })).toEqual([]);

    advance(QUEUED_AUDIT_GRACE_MS + 1_000);
    await gw.actions.resumeInterrupted();
    await gw.actions.resumeInterrupted();
    const rejected = await t.store.audit.query({ kind: 'action.rejected' });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({
      actor: 'usr_lead',
      time: '2026-12-01T10:00:00.000Z', // when the move happened, not when the sweep wrote it
      reason: 'not a double charge',
      data: expect.objectContaining({ draftId, status: 'rejected' }),
    });
    expect(await t.store.audit.verify()).toMatchObject({ ok: true });
  });

  it('is not written twice when it landed but taking it off the queue failed', async () => {
    const { gw, advance } = setUp();
    const dequeue = t.store.drafts.dequeueAudit.bind(t.store.drafts);
    let failures = 0;
    t.store.drafts.dequeueAudit = (id) =>
      failures++ === 0 ? Promise.reject(new StoreUnavailableError('database is locked')) : dequeue(id);
    const draftId = await draftRefund(gw); // the call succeeds: its event is in the log
    expect(await t.store.audit.query({ kind: 'action.drafted' })).toHaveLength(1);
    expect(await t.store.drafts.queuedAudits('9999', 10)).toHaveLength(1);

    advance(QUEUED_AUDIT_GRACE_MS + 1_000);
    await gw.actions.resumeInterrupted();
    const drafted = await t.store.audit.query({ kind: 'action.drafted' });
    expect(drafted.map((e) => e.data?.draftId)).toEqual([draftId]);
    expect(await t.store.drafts.queuedAudits('9999', 10)).toEqual([]);
  });

  it('one queued event that cannot be written does not hold up the others or the settling of drafts', async () => {
    const { gw, advance } = setUp();
    const draftId = await draftRefund(gw);
    const broken = (await t.store.drafts.get(draftId))!;
    // A queued event the audit log will never take (here: not JSON at all).
    await t.store.drafts.create({ ...broken, id: 'drf_broken' }, { id: 'aud_broken', event: '{not json' });
    failNextAppendOf('action.rejected');
    await expect(
      gw.actions.reject(draftId, approver(), { reason: 'not needed', surface: 'cli' }),
    ).rejects.toMatchObject({
      code: 'unavailable',
    });
    advance(QUEUED_AUDIT_GRACE_MS + 1_000);
    await gw.actions.resumeInterrupted(); // before: the broken one threw and stopped the sweep
    expect(await t.store.audit.query({ kind: 'action.rejected' })).toHaveLength(1);
    expect((await t.store.drafts.queuedAudits('9999', 10)).map((q) => q.id)).toEqual(['aud_broken']);
  });

  it('leaves nothing queued when both writes succeed', async () => {
    const { gw } = setUp();
    const draftId = await draftRefund(gw);
    await gw.actions.approve(draftId, approver(), { reason: 'refund checked', surface: 'cli' });
    expect(await t.store.drafts.queuedAudits('9999', 10)).toEqual([]);
  });
});
