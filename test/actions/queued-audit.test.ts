import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QUEUED_AUDIT_GRACE_MS } from '../../src/actions/queued-audit.js';
import type { AuditEventInput } from '../../src/audit/event.js';
import { ERROR_CODES } from '../../src/errors/codes.js';
import { StoreUnavailableError } from '../../src/errors/toolgate-error.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { approver, draftRefund, refundAction, refundCredentials, requester } from '../helpers/refund-action.js';
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

describe('a write that took effect but could not be recorded says so, and not "retry"', () => {
  // PostgreSQL locked or restarted between the two writes: the draft (or approval) committed, the
  // caller was told "nothing was returned", retryable, and the model drafted the same refund again
  // (two drafts, two refunds once both were approved); an approver retried an approval that had
  // been taken and later ran (outside probe).
  /** A draft call, answered with an error in these tests: its error, for the assertions. */
  const draftFailing = async (gw: ReturnType<typeof setUp>['gw']) => {
    const args = { invoice_id: 'inv_1', amount_usd: 40, reason: 'double charge' };
    const r = await gw.call({
      tool: 'create_refund_draft',
      args,
      principal: requester,
      client: 'c',
      surface: 'direct',
    });
    if (r.ok) throw new Error(`expected a failure, got ${r.text}`);
    return r.error;
  };

  it('a draft whose own event failed: the draft id, "do not repeat it", not retryable', async () => {
    const { gw } = setUp();
    failNextAppendOf('action.drafted');
    const error = await draftFailing(gw);
    expect(error).toMatchObject({ code: 'unavailable', retryable: false });
    const [draft] = await t.store.drafts.list({ status: 'awaiting_approval' });
    expect(error.message).toContain(`Draft ${draft!.id} was created and awaits approval`);
    expect(error.message).toContain('Do not repeat it.');
  });

  it("a draft made whose call could not be recorded: its id, not retryable (the draft's own event was)", async () => {
    const { gw } = setUp();
    failNextAppendOf('tool_call');
    const error = await draftFailing(gw);
    const [draft] = await t.store.drafts.list({ status: 'awaiting_approval' });
    expect(error).toMatchObject({ code: 'unavailable', retryable: false, audit_id: null });
    expect(error.message).toContain(`Draft ${draft!.id} was made and awaits approval`);
    expect(error.message).toContain('Do not repeat it');
  });

  it('a draft call with the store down before anything was written: the usual retryable "unavailable"', async () => {
    // Nothing was drafted, so a retry is what should happen (review: the first version said "do
    // not repeat it" here too).
    const { gw } = setUp();
    const down = () => Promise.reject(new StoreUnavailableError('store down'));
    const audit = t.store.audit;
    const append = audit.append.bind(audit);
    const create = t.store.drafts.create.bind(t.store.drafts);
    audit.append = down;
    t.store.drafts.create = down;
    const error = await draftFailing(gw);
    audit.append = append;
    t.store.drafts.create = create;
    expect(error).toMatchObject({ code: 'unavailable', retryable: true });
    expect(error.message).toBe(ERROR_CODES.unavailable.message);
    expect(await t.store.drafts.list({ status: 'awaiting_approval' })).toEqual([]);
  });

  it("a draft whose event and call both failed keeps the draft's own words, without the unrecorded call's id", async () => {
    const { gw } = setUp();
    const audit = t.store.audit;
    const append = audit.append.bind(audit);
    audit.append = () => Promise.reject(new StoreUnavailableError('audit append: locked'));
    const error = await draftFailing(gw);
    audit.append = append;
    const [draft] = await t.store.drafts.list({ status: 'awaiting_approval' });
    expect(error).toMatchObject({ code: 'unavailable', retryable: false, audit_id: null });
    expect(error.message).toContain(`Draft ${draft!.id} was created and awaits approval`);
  });

  it('an approval whose event failed: "is now approved", not retryable, and the approval stands', async () => {
    const { gw } = setUp();
    const draftId = await draftRefund(gw);
    failNextAppendOf('action.approved');
    const refused = await gw.actions
      .approve(draftId, approver(), { reason: 'confirmed', surface: 'api' })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'unavailable', retryable: false });
    expect((refused as Error).message).toContain(`Draft ${draftId} is now approved`);
    expect((await t.store.drafts.get(draftId))?.status).toBe('approved');
  });
});

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
