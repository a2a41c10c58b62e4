import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/define-action.js';
import { idempotencyKeyOf } from '../../src/actions/draft-state.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { StoreUnavailableError } from '../../src/errors/toolgate-error.js';
import type { Store } from '../../src/store/types.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { approver, refundAction, refundCredentials, requester, statusTool } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { capturedLogger } from '../helpers/captured-logger.js';

let api: FakeRefundApi;
let store: Store;
let path: string;
let cleanup: () => Promise<void>;
let clock: number;
beforeEach(async () => {
  api = await startFakeRefundApi();
  ({ store, path, cleanup } = await tempSqliteStore());
  clock = Date.parse('2026-06-01T10:00:00Z');
});
afterEach(async () => {
  await api.close();
  await cleanup();
});

const gatewayWith = (
  policy: Parameters<typeof refundAction>[1] = {},
  extra: Parameters<typeof defineAction>[0][] = [],
): Gateway =>
  createGateway({
    tools: [refundAction(api.url, policy), statusTool, ...extra.map(defineAction)],
    store,
    credentials: refundCredentials,
    now: () => clock,
    publicUrl: 'https://toolgate.example.com',
  });

async function draft(gw: Gateway, amount = 25): Promise<{ draft_id: string; [k: string]: unknown }> {
  const r = await gw.call({
    tool: 'create_refund_draft',
    args: { invoice_id: 'inv_789', amount_usd: amount, reason: 'duplicate charge' },
    principal: requester,
    client: 'support_app',
    surface: 'mcp_http',
  });
  if (!r.ok) throw new Error(r.text);
  return r.structured as { draft_id: string };
}
const decide = { reason: 'checked the invoice', surface: 'api' as const };

/** A medium-risk action with no upstream: each test gives the parts it is about. */
const archiveTicket = (
  parts: Partial<Parameters<typeof defineAction>[0]> = {},
): Parameters<typeof defineAction>[0] => ({
  name: 'archive_ticket',
  description: 'Archive a support ticket.',
  risk: 'medium',
  approval: { roles: ['billing_approver'] },
  input: z.object({ ticket_id: z.string() }),
  preview: z.object({ ticket: z.string() }),
  scopes: ['refunds:draft'],
  tenant: 'caller',
  describe: (input) => ({ ticket: String(input.ticket_id) }),
  execute: async () => ({ archived: true }),
  verify: async () => ({ ok: true, detail: 'archived' }),
  ...parts,
});

/** Drafts archive_ticket as the requester and approves it; returns the draft id and where it ended. */
async function archiveApproved(gw: Gateway): Promise<{ id: string; status: string }> {
  const r = await gw.call({
    tool: 'archive_ticket',
    args: { ticket_id: 't_1' },
    principal: requester,
    client: 'c',
    surface: 'direct',
  });
  if (!r.ok) throw new Error(r.text);
  const id = r.structured.draft_id as string;
  return { id, status: (await gw.actions.approve(id, approver(), decide)).status };
}

describe('write actions', () => {
  it(
    'the model-facing call only drafts: preview, reversibility, expiry and link — ' + 'and nothing reaches the API',
    async () => {
      const gw = gatewayWith();
      const d = await draft(gw);
      expect(d).toMatchObject({
        status: 'awaiting_approval',
        risk: 'high',
        reversible: true,
        rollback: 'Void the refund before it settles.',
        required_approvals: 1,
        preview: { invoice_id: 'inv_789', refund_usd: 25 },
        expires_at: '2026-06-02T10:00:00.000Z',
        approval_url: `https://toolgate.example.com/console/drafts/${d.draft_id}`,
      });
      expect(api.createRequests).toHaveLength(0);
      const tools = gw.listTools('support_app');
      expect(tools.find((t) => t.name === 'create_refund_draft')?.annotations).toMatchObject({ readOnlyHint: false });
      expect(tools.some((t) => /approve/.test(t.name))).toBe(false);
    },
  );

  it('executes exactly once under a double approve, then verifies', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    const done = await gw.actions.approve(draft_id, approver(), decide);
    expect(done.status).toBe('verified');
    await expect(gw.actions.approve(draft_id, approver(), decide)).rejects.toMatchObject({ code: 'conflict' });
    await expect(gw.actions.approve(draft_id, approver('usr_other_lead'), decide)).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(api.createRequests).toHaveLength(1);
    expect(api.createRequests[0]?.key).toMatch(/^tg-drf_/);
  });

  it('executes exactly once under 20 concurrent approvals from different approvers', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => gw.actions.approve(draft_id, approver(`usr_lead_${i}`), decide)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results
        .filter((r) => r.status === 'rejected')
        .every((r) => (r as PromiseRejectedResult).reason.code === 'conflict'),
    ).toBe(true);
    expect(api.createRequests).toHaveLength(1);
    expect((await gw.actions.get(draft_id))?.status).toBe('verified');
  });

  it(
    'refuses a tampered draft, an expired draft, a wrong role and a forbidden ' + 'self-approval — each audited',
    async () => {
      const gw = gatewayWith();
      const tampered = await draft(gw);
      const db = new Database(path);
      db.prepare('UPDATE drafts SET input = ? WHERE id = ?').run(
        JSON.stringify({ invoice_id: 'inv_789', amount_usd: 9999, reason: 'duplicate charge' }),
        tampered.draft_id,
      );
      db.close();
      await expect(gw.actions.approve(tampered.draft_id, approver(), decide)).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/changed after it was created/),
      });

      const stale = await draft(gw);
      await expect(
        gw.actions.approve(stale.draft_id, approver(), { ...decide, draftHash: 'f'.repeat(64) }),
      ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/not the version you reviewed/) });

      const wrongRole = await draft(gw);
      await expect(
        gw.actions.approve(wrongRole.draft_id, { ...approver(), roles: ['support'] }, decide),
      ).rejects.toMatchObject({ code: 'forbidden' });
      await expect(
        gw.actions.approve(wrongRole.draft_id, { ...approver(), tenant: 'globex' }, decide),
      ).rejects.toMatchObject({ code: 'not_found' });
      await expect(
        gw.actions.approve(wrongRole.draft_id, { ...requester, roles: ['billing_approver'] }, decide),
      ).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/self-approval/) });

      const old = await draft(gw);
      clock += 25 * 60 * 60 * 1000;
      await expect(gw.actions.approve(old.draft_id, approver(), decide)).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/expired/),
      });
      expect((await gw.actions.get(old.draft_id))?.status).toBe('expired');

      expect(api.createRequests).toHaveLength(0);
      const refused = await store.audit.query({ kind: 'action.decision_refused' });
      expect(refused.map((e) => e.errorCode)).toEqual([
        'conflict',
        'conflict',
        'forbidden',
        'not_found',
        'forbidden',
        'conflict',
      ]);
      expect(await store.audit.verify()).toMatchObject({ ok: true });
    },
  );

  it('allows self-approval only where the policy says so', async () => {
    const gw = gatewayWith({ allowSelfApproval: true });
    const { draft_id } = await draft(gw);
    const done = await gw.actions.approve(draft_id, { ...requester, roles: ['billing_approver'] }, decide);
    expect(done.status).toBe('verified');
  });

  it('enforces two distinct approvers when the policy asks for two', async () => {
    const gw = gatewayWith({ approvers: 2 });
    const { draft_id } = await draft(gw);
    const first = await gw.actions.approve(draft_id, approver('usr_lead_a'), decide);
    expect(first.status).toBe('awaiting_approval');
    await expect(gw.actions.approve(draft_id, approver('usr_lead_a'), decide)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already approved/),
    });
    expect(api.createRequests).toHaveLength(0);
    const second = await gw.actions.approve(draft_id, approver('usr_lead_b'), decide);
    expect(second.status).toBe('verified');
    expect(api.createRequests).toHaveLength(1);
  });

  it('a store that fails after the internal API took the write says so, not "nothing was returned"', async () => {
    // As PostgreSQL restarting mid-execute did in an outside probe: the refund was made, and the
    // approver was told the store's usual words, with no log line naming the draft.
    let failOnce = true;
    const update = async (...args: Parameters<Store['drafts']['update']>) => {
      if (args[2].status === 'executed' && failOnce) {
        failOnce = false;
        throw new StoreUnavailableError('connection terminated');
      }
      return store.drafts.update(...args);
    };
    /** `target` with `name` replaced, every other member bound to the real object. */
    const swap = <T extends object>(target: T, name: string, value: unknown): T =>
      new Proxy(target, {
        get: (t, key) => {
          if (key === name) return value;
          const member = Reflect.get(t, key, t) as unknown;
          return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(t) : member;
        },
      });
    const broken = swap(store, 'drafts', swap(store.drafts, 'update', update));
    const { logger, lines } = capturedLogger();
    const gw = createGateway({
      tools: [refundAction(api.url), statusTool],
      store: broken,
      credentials: refundCredentials,
      now: () => clock,
      logger,
    });
    const { draft_id } = await draft(gw);
    await expect(gw.actions.approve(draft_id, approver(), decide)).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/took the write, but the gateway could not record it; the recovery sweep settles/),
    });
    expect(api.createRequests).toHaveLength(1);
    expect((await store.drafts.get(draft_id))?.status).toBe('executing'); // the sweep's, after the lease
    expect(lines().some((l) => l.draftId === draft_id && /recording it failed/.test(l.msg))).toBe(true);
  });

  it('the log tells a verify that says no from one that could not check (both end unverified)', async () => {
    const { logger, lines } = capturedLogger();
    const gw = createGateway({
      tools: [refundAction(api.url), statusTool],
      store,
      credentials: refundCredentials,
      now: () => clock,
      logger,
    });
    api.loseRefunds = true; // verify reads, finds nothing: "no"
    const lost = await draft(gw);
    expect((await gw.actions.approve(lost.draft_id, approver(), decide)).status).toBe('unverified');
    api.loseRefunds = false;
    const unreadable = await draft(gw);
    // The refund lands, then the payments API stops answering reads: verify cannot tell.
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) =>
      init?.method === undefined || init.method === 'GET'
        ? new Response('{}', { status: 503 })
        : realFetch(input, init);
    try {
      expect((await gw.actions.approve(unreadable.draft_id, approver(), decide)).status).toBe('unverified');
    } finally {
      globalThis.fetch = realFetch;
    }
    const said = lines()
      .filter((l) => l.msg.startsWith('ACTION UNVERIFIED'))
      .map((l) => [l.draftId, l.msg]);
    expect(said).toEqual([
      [lost.draft_id, 'ACTION UNVERIFIED: final state does not match'],
      [unreadable.draft_id, 'ACTION UNVERIFIED: verify could not check the final state'],
    ]);
  });

  it('an operator verifies an unverified draft again: still no → stays unverified; seen → verified; nothing written', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    // The refund lands; the payments API then stops answering reads, so verify cannot check.
    const realFetch = globalThis.fetch;
    let readsDown = true;
    globalThis.fetch = async (input, init) =>
      readsDown && (init?.method === undefined || init.method === 'GET')
        ? new Response('{}', { status: 503 })
        : realFetch(input, init);
    try {
      expect((await gw.actions.approve(draft_id, approver(), decide)).status).toBe('unverified');
      // Before: an unverified draft could only be rolled back.
      const again = await gw.actions.reverify(draft_id, approver('usr_lead_b'), decide);
      expect(again).toMatchObject({ status: 'unverified', version: expect.any(Number) });
      expect(JSON.parse(again.state).verification).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/verify failed/),
      });
      readsDown = false;
      const seen = await gw.actions.reverify(draft_id, approver('usr_lead_b'), decide);
      expect(seen.status).toBe('verified');
      expect(JSON.parse(seen.state).verification).toMatchObject({ ok: true });
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(api.createRequests).toHaveLength(1);
    const events = await store.audit.query({ sourceId: draft_id });
    expect(events.filter((e) => e.kind.startsWith('action.reverif')).map((e) => [e.kind, e.actor, e.outcome])).toEqual([
      ['action.reverify_failed', 'usr_lead_b', 'error'],
      ['action.reverified', 'usr_lead_b', 'ok'],
    ]);
    // Verified now: verifying again is refused (typed, audited) like any move the table does not list.
    await expect(gw.actions.reverify(draft_id, approver('usr_lead_b'), decide)).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('a verify mismatch marks the draft unverified, loudly in the audit log', async () => {
    const gw = gatewayWith();
    api.loseRefunds = true;
    const { draft_id } = await draft(gw);
    const done = await gw.actions.approve(draft_id, approver(), decide);
    expect(done.status).toBe('unverified');
    const [event] = await store.audit.query({ kind: 'action.unverified' });
    expect(event).toMatchObject({
      outcome: 'error',
      errorCode: 'unverified',
      reason: 'no refund recorded for this draft',
    });
    const status = await gw.call({
      tool: 'get_action_status',
      args: { draft_id },
      principal: requester,
      client: 'support_app',
      surface: 'mcp_http',
    });
    expect(status.ok && status.structured).toMatchObject({ status: 'unverified', verified: false });
  });

  it('rolls back where defined, as an approved and audited act', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    await gw.actions.approve(draft_id, approver(), decide);
    await expect(gw.actions.rollback(draft_id, { ...approver(), roles: ['support'] }, decide)).rejects.toMatchObject({
      code: 'forbidden',
    });
    // A hash other than the draft's is refused, as approve's is; before, rollback never compared it.
    await expect(
      gw.actions.rollback(draft_id, approver('usr_lead_b'), { ...decide, draftHash: 'f'.repeat(64) }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/not the one you reviewed/) });
    expect(api.voidRequests).toHaveLength(0);
    const { draftHash } = (await store.drafts.get(draft_id))!;
    const rolled = await gw.actions.rollback(draft_id, approver('usr_lead_b'), {
      reason: 'customer withdrew the request',
      surface: 'cli',
      draftHash,
    });
    expect(rolled.status).toBe('rolled_back');
    expect([...api.refunds.values()][0]?.status).toBe('voided');
    expect((await store.audit.query({ kind: 'action.rolled_back' }))[0]).toMatchObject({
      actor: 'usr_lead_b',
      surface: 'cli',
      outcome: 'ok',
    });
  });

  it('a decision on another tenant’s draft or a guessed id is not_found, alike, and audited under the person’s tenant', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    const globex = approver('usr_globex_lead', { tenant: 'globex' });
    const attempts = [
      () => gw.actions.approve(draft_id, globex, decide),
      () => gw.actions.reject(draft_id, globex, decide),
      () => gw.actions.rollback(draft_id, globex, decide),
      () => gw.actions.resolve(draft_id, globex, 'close', decide),
      () => gw.actions.approve('drf_00000000000000000000000000', approver(), decide),
    ];
    for (const attempt of attempts)
      await expect(attempt()).rejects.toMatchObject({ code: 'not_found', auditId: expect.stringMatching(/^aud_/) });
    // Before: 404 and nothing in the log, so probing for ids left no trace.
    const refused = await store.audit.query({ kind: 'action.decision_refused' });
    expect(refused.map((e) => [e.actor, e.tenant, e.errorCode, e.data?.decision])).toEqual([
      ['usr_globex_lead', 'globex', 'not_found', 'approve'],
      ['usr_globex_lead', 'globex', 'not_found', 'reject'],
      ['usr_globex_lead', 'globex', 'not_found', 'rollback'],
      ['usr_globex_lead', 'globex', 'not_found', 'close'],
      ['usr_lead', 'acme', 'not_found', 'approve'],
    ]);
    // Nothing of acme's draft is told in globex's events (not its tool, not its input, not that
    // it exists: a made-up id reads the same), and they are not on acme's draft timeline.
    const shape = (e: (typeof refused)[number], id: string) => ({
      ...e,
      ...{ id: '', time: '', seq: 0, prevHash: '', hash: '', actor: '', tenant: '' },
      reason: e.reason.replace(id, 'ID'),
      data: { ...e.data, draftId: 'ID' },
    });
    const foreign = refused[0]!;
    expect(shape(foreign, draft_id)).toEqual(shape(refused[4]!, 'drf_00000000000000000000000000'));
    expect(foreign).toMatchObject({ tool: '-', inputSummary: '{}', sourceIds: [] });
    expect(await store.audit.query({ sourceId: draft_id, kind: 'action.decision_refused' })).toEqual([]);
    expect((await store.drafts.get(draft_id))?.status).toBe('awaiting_approval');
  });

  it('a rollback that throws (the undo applied, its answer lost) is audited and may be asked again', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    await gw.actions.approve(draft_id, approver(), decide);
    api.failAfterNextVoid = true;
    await expect(
      gw.actions.rollback(draft_id, approver('usr_lead_b'), { reason: 'customer withdrew', surface: 'console' }),
    ).rejects.toMatchObject({ code: 'upstream_unavailable' });
    // Before: no event at all, though the refund was voided upstream.
    expect([...api.refunds.values()][0]?.status).toBe('voided');
    const [failed, ...more] = await store.audit.query({ kind: 'action.rollback_failed' });
    expect(more).toEqual([]);
    expect(failed).toMatchObject({
      actor: 'usr_lead_b',
      surface: 'console',
      outcome: 'error',
      errorCode: 'upstream_unavailable',
      sourceIds: [draft_id],
      reason: expect.stringMatching(/did not finish .*whether it took effect upstream is not known/),
    });
    expect((await store.drafts.get(draft_id))?.status).toBe('verified');
    // The claim is released: asked again, it runs (the void is idempotent upstream) and lands.
    const again = await gw.actions.rollback(draft_id, approver('usr_lead_b'), decide);
    expect(again.status).toBe('rolled_back');
    expect(api.voidRequests).toHaveLength(2);
  });

  it('runs the rollback once when two approvers ask at the same moment, and wants a reason', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    await gw.actions.approve(draft_id, approver(), decide);
    await expect(
      gw.actions.rollback(draft_id, approver('usr_lead_b'), { reason: ' ', surface: 'cli' }),
    ).rejects.toMatchObject({ code: 'invalid_input', field: 'reason' });
    const results = await Promise.allSettled([
      gw.actions.rollback(draft_id, approver('usr_lead_b'), { reason: 'customer withdrew', surface: 'cli' }),
      gw.actions.rollback(draft_id, approver('usr_lead_c'), { reason: 'customer withdrew', surface: 'console' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    // Before, both reached the payments API; the loser's void was not audited.
    expect(api.voidRequests).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'conflict' });
    expect(await store.audit.query({ kind: 'action.rollback_refused' })).toHaveLength(1);
  });

  it('a rollback that ignores its signal still ends at the deadline: audited, and may be asked again', async () => {
    let hang = true;
    const gw = gatewayWith({}, [
      archiveTicket({
        executeTimeoutMs: 200,
        rollback: {
          description: 'Unarchive it.',
          // Never settles and never looks at ctx.signal: before, the rollback waited for it forever.
          run: () => (hang ? new Promise(() => undefined) : Promise.resolve({ ok: true, detail: 'unarchived' })),
        },
      }),
    ]);
    const { id, status } = await archiveApproved(gw);
    expect(status).toBe('verified');
    await expect(gw.actions.rollback(id, approver('usr_lead_b'), decide)).rejects.toMatchObject({ code: 'timeout' });
    expect(await store.audit.query({ kind: 'action.rollback_failed' })).toMatchObject([{ errorCode: 'timeout' }]);
    hang = false;
    expect((await gw.actions.rollback(id, approver('usr_lead_b'), decide)).status).toBe('rolled_back');
  });

  it('a rollback is recorded though another move changed the draft while it ran (it took effect)', async () => {
    let onRun = async () => undefined as void;
    const gw = gatewayWith({}, [
      archiveTicket({
        rollback: {
          description: 'Unarchive it.',
          run: async () => {
            await onRun();
            return { ok: true, detail: 'unarchived' };
          },
        },
      }),
    ]);
    const { id } = await archiveApproved(gw);
    // While the undo runs, a verify elsewhere moves the draft (as the sweep or a reverify can).
    onRun = async () => {
      const row = (await store.drafts.get(id))!;
      await store.drafts.update(id, row.version, { status: 'unverified' }, new Date().toISOString());
    };
    // Before: 409 "The draft changed during rollback", no event, and the claim refused every later try.
    const done = await gw.actions.rollback(id, approver('usr_lead_b'), decide);
    expect(done.status).toBe('rolled_back');
    expect(await store.audit.query({ kind: 'action.rolled_back', sourceId: id })).toHaveLength(1);
  });

  it('a rollback claim whose holder stopped is taken over after its lease, the lost attempt audited', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    const done = await gw.actions.approve(draft_id, approver(), decide);
    // As a process killed mid-rollback leaves it: the claim in progress, nobody to release it.
    const claimKey = `${idempotencyKeyOf(done)}-rollback`;
    expect(await store.idempotency.claim(claimKey, done.draftHash)).toEqual({ state: 'claimed' });
    // Within the lease it is still someone's: refused.
    await expect(gw.actions.rollback(draft_id, approver('usr_lead_b'), decide)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already running or done/),
    });
    const db = new Database(path);
    db.prepare('UPDATE idempotency_keys SET updated_at = ? WHERE key = ?').run('2026-01-01T00:00:00.000Z', claimKey);
    db.close();
    const rolled = await gw.actions.rollback(draft_id, approver('usr_lead_b'), decide);
    expect(rolled.status).toBe('rolled_back');
    const [lost] = await store.audit.query({ kind: 'action.rollback_failed', sourceId: draft_id });
    expect(lost).toMatchObject({ actor: 'system:reconciler', errorCode: 'unavailable' });
    expect(lost?.reason).toMatch(/never finished .*whether it took effect upstream is not known/);
  });

  it('a reverify that loses a race after its checks is refused and audited, as a failed check is', async () => {
    let onVerify = async () => undefined as void;
    let seen = false;
    const gw = gatewayWith({}, [
      archiveTicket({
        verify: async () => {
          await onVerify();
          return { ok: seen, detail: seen ? 'archived' : 'not archived yet' };
        },
      }),
    ]);
    const { id, status } = await archiveApproved(gw);
    expect(status).toBe('unverified');
    // Another reverify lands while this one's verify runs.
    seen = true;
    onVerify = async () => {
      const row = (await store.drafts.get(id))!;
      await store.drafts.update(id, row.version, { status: 'unverified' }, new Date().toISOString());
    };
    await expect(gw.actions.reverify(id, approver('usr_lead_b'), decide)).rejects.toMatchObject({ code: 'conflict' });
    // Before: 409 and no event, though its verify had reached the upstream.
    expect(await store.audit.query({ kind: 'action.decision_refused', sourceId: id })).toMatchObject([
      {
        actor: 'usr_lead_b',
        errorCode: 'conflict',
        reason: expect.stringMatching(/changed while it was being verified/),
      },
    ]);
  });

  it('says "no rollback" before approval when there is none, and refuses one later', async () => {
    const gw = gatewayWith({}, [
      {
        name: 'send_customer_email',
        description: 'Send an email to a customer.',
        risk: 'medium',
        approval: { roles: ['billing_approver'] },
        input: z.object({ customer_id: z.string() }),
        preview: z.object({ to: z.string() }),
        scopes: ['refunds:draft'],
        tenant: 'caller',
        describe: ({ customer_id }) => ({ to: customer_id }),
        execute: async () => ({ sent: true }),
        verify: async () => ({ ok: true, detail: 'sent' }),
      },
    ]);
    const r = await gw.call({
      tool: 'send_customer_email',
      args: { customer_id: 'cus_1' },
      principal: requester,
      client: 'c',
      surface: 'direct',
    });
    expect(r.ok && r.structured).toMatchObject({ reversible: false, rollback: expect.stringMatching(/^No rollback/) });
    const id = (r.ok && (r.structured.draft_id as string)) || '';
    await gw.actions.approve(id, approver(), decide);
    await expect(gw.actions.rollback(id, approver(), decide)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/no rollback/),
    });
  });

  it('low risk may auto-approve: still drafted, executed once, verified and audited', async () => {
    let executions = 0;
    const gw = gatewayWith({}, [
      {
        name: 'append_account_note',
        description: 'Append a note to an account.',
        risk: 'low',
        approval: { roles: ['support_lead'], autoApprove: true },
        input: z.object({ note: z.string() }),
        preview: z.object({ note: z.string() }),
        scopes: ['refunds:draft'],
        tenant: 'caller',
        describe: ({ note }) => ({ note }),
        execute: async () => ({ id: `note_${++executions}` }),
        verify: async () => ({ ok: executions === 1, detail: `${executions} note(s)` }),
      },
    ]);
    const r = await gw.call({
      tool: 'append_account_note',
      args: { note: 'called the customer' },
      principal: requester,
      client: 'c',
      surface: 'direct',
    });
    expect(r.ok && r.structured).toMatchObject({ status: 'verified' });
    expect(executions).toBe(1);
    const kinds = (await store.audit.query({ tool: 'append_account_note' })).map((e) => e.kind);
    expect(kinds).toEqual([
      'action.drafted',
      'action.approved',
      'action.executing',
      'action.executed',
      'action.verified',
      'tool_call',
    ]);
    expect(() =>
      defineAction({
        name: 'delete_account_now',
        description: 'x',
        risk: 'high',
        approval: { roles: ['a'], autoApprove: true },
        input: z.object({}),
        preview: z.object({}),
        scopes: ['s'],
        tenant: 'caller',
        describe: () => ({}),
        execute: async () => 1,
        verify: async () => ({ ok: true, detail: '' }),
      }),
    ).toThrow(/only low-risk/);
  });

  it("a caller named like the gateway's auto-approval is not the policy: it still needs the role", async () => {
    // archive_ticket as a low-risk action its approvers may let the policy approve.
    const note = (autoApprove: boolean) =>
      archiveTicket({ risk: 'low', approval: { roles: ['support_lead'], autoApprove } });
    // Drafted while the action needed a person, decided after it became auto-approved.
    const before = await gatewayWith({}, [note(false)]).call({
      tool: 'archive_ticket',
      args: { ticket_id: 't_1' },
      principal: requester,
      client: 'c',
      surface: 'direct',
    });
    const id = (before.ok && (before.structured as { draft_id: string }).draft_id) || '';
    const impostor = { actorId: 'system:auto-approve', tenant: requester.tenant, roles: [], scopes: [] };
    // Before: the name alone skipped the role check, and the ticket was archived.
    await expect(gatewayWith({}, [note(true)]).actions.approve(id, impostor, decide)).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/needs one of the roles support_lead/),
    });
    expect((await store.drafts.get(id))?.status).toBe('awaiting_approval');
  });

  it('get_action_status shows own-tenant drafts only', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    const own = await gw.call({
      tool: 'get_action_status',
      args: { draft_id },
      principal: requester,
      client: 'c',
      surface: 'direct',
    });
    expect(own.ok && own.structured).toMatchObject({ status: 'awaiting_approval', approvals: 0 });
    const foreign = await gw.call({
      tool: 'get_action_status',
      args: { draft_id },
      principal: { ...requester, tenant: 'globex' },
      client: 'c',
      surface: 'direct',
    });
    expect(!foreign.ok && foreign.error.code).toBe('not_found');
  });

  it('every transition is in the verified audit chain', async () => {
    const gw = gatewayWith();
    const { draft_id } = await draft(gw);
    await gw.actions.approve(draft_id, approver(), decide);
    const kinds = (await store.audit.query({})).map((e) => e.kind);
    expect(kinds).toEqual([
      'action.drafted',
      'tool_call',
      'action.approved',
      'action.executing',
      'action.executed',
      'action.verified',
    ]);
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 6 });
  });
});
