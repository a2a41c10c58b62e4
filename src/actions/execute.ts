import { asToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { auditTransition } from './audit-transition.js';
import { actionContext, actionSpecOf, idempotencyKeyOf, moveDraft, stateOf } from './draft-state.js';
import type { Verification } from '../contract/types.js';

const iso = (runtime: GatewayRuntime) => new Date(runtime.now()).toISOString();

/**
 * Runs an approved draft exactly once. Two guards, both in the store: the compare-and-set from
 * `approved` to `executing` (only one caller wins, however many approvals race), and the
 * idempotency claim on the draft's key (a second process can never claim it again). The key
 * also goes to the internal API, so even a retried HTTP request cannot act twice.
 */
export async function executeApproved(runtime: GatewayRuntime, approved: DraftRecord, surface: 'api' | 'cli' | 'console' | 'internal'): Promise<DraftRecord> {
  const spec = actionSpecOf(runtime, approved);
  const started = await moveDraft(runtime, approved, 'executing', { ...stateOf(approved), execution: { startedAt: iso(runtime) } });
  if (!started) return (await runtime.store.drafts.get(approved.id)) ?? approved; // someone else is executing it
  await auditTransition(runtime, started, { kind: 'executing', actor: 'system:executor', surface, outcome: 'ok', reason: `executing with idempotency key ${idempotencyKeyOf(started)}` });

  const claim = await runtime.store.idempotency.claim(idempotencyKeyOf(started), started.draftHash);
  if (claim.state !== 'claimed') return stall(runtime, started, surface, `idempotency key already ${claim.state}; not executing again`);

  const input = spec.input.parse(JSON.parse(started.input));
  const { ctx, done } = actionContext(runtime, started, spec);
  let result: unknown;
  try {
    result = await spec.execute(input, ctx);
  } catch (thrown) {
    done();
    const error = asToolgateError(thrown);
    runtime.logger.error({ err: thrown, draftId: started.id }, 'action execute failed');
    // The claim stays in progress: the side effect may have happened, so nothing retries blindly.
    const failed = await moveDraft(runtime, started, 'failed', { ...stateOf(started), execution: { startedAt: stateOf(started).execution?.startedAt ?? iso(runtime), finishedAt: iso(runtime), error: `${error.code}: ${error.detail ?? error.message}` } });
    await auditTransition(runtime, failed ?? started, { kind: 'failed', actor: 'system:executor', surface, outcome: 'error', errorCode: error.code, reason: error.detail ?? error.message });
    return failed ?? started;
  }
  await runtime.store.idempotency.complete(idempotencyKeyOf(started), JSON.stringify(result ?? null));
  const executed = await moveDraft(runtime, started, 'executed', { ...stateOf(started), execution: { startedAt: stateOf(started).execution?.startedAt ?? iso(runtime), finishedAt: iso(runtime), result } });
  if (!executed) {
    done();
    return stall(runtime, started, surface, 'draft changed while executing');
  }
  await auditTransition(runtime, executed, { kind: 'executed', actor: 'system:executor', surface, outcome: 'ok', reason: 'internal API accepted the write', data: { result: runtime.maskSecrets(JSON.stringify(result ?? null)).text.slice(0, 500) } });
  try {
    return await verifyAndRecord(runtime, executed, input, result, surface);
  } finally {
    done();
  }
}

/** Checks the final state; a mismatch is loud: `unverified`, an error log and an error audit event. */
export async function verifyAndRecord(runtime: GatewayRuntime, executed: DraftRecord, input: unknown, result: unknown, surface: 'api' | 'cli' | 'console' | 'internal'): Promise<DraftRecord> {
  const spec = actionSpecOf(runtime, executed);
  const { ctx, done } = actionContext(runtime, executed, spec);
  let verification: Verification;
  try {
    verification = await spec.verify(input, result, ctx);
  } catch (thrown) {
    verification = { ok: false, detail: `verify failed: ${asToolgateError(thrown).detail ?? String(thrown)}` };
  } finally {
    done();
  }
  const status = verification.ok ? 'verified' : 'unverified';
  const moved = await moveDraft(runtime, executed, status, { ...stateOf(executed), verification: { ...verification, at: iso(runtime) } });
  if (!verification.ok) runtime.logger.error({ draftId: executed.id, tool: executed.tool, detail: verification.detail }, 'ACTION UNVERIFIED: final state does not match');
  await auditTransition(runtime, moved ?? executed, { kind: status, actor: 'system:verifier', surface, outcome: verification.ok ? 'ok' : 'error', errorCode: verification.ok ? null : 'unverified', reason: verification.detail });
  return moved ?? executed;
}

/**
 * After a restart: drafts left in `executing` never run again. If verify can see the write in
 * the internal system, the draft is completed; otherwise it is marked stalled for an operator.
 */
export async function resumeInterrupted(runtime: GatewayRuntime): Promise<DraftRecord[]> {
  const interrupted = await runtime.store.drafts.list({ status: 'executing', limit: 1_000 });
  const outcomes: DraftRecord[] = [];
  for (const draft of interrupted) {
    if (stateOf(draft).stalled) continue;
    const spec = actionSpecOf(runtime, draft);
    const input = spec.input.parse(JSON.parse(draft.input));
    const { ctx, done } = actionContext(runtime, draft, spec);
    let seen: Verification;
    try {
      seen = await spec.verify(input, null, ctx);
    } catch (thrown) {
      seen = { ok: false, detail: `verify failed: ${String(thrown)}` };
    } finally {
      done();
    }
    if (!seen.ok) {
      outcomes.push(await stall(runtime, draft, 'internal', `process stopped during execute and verify cannot confirm the write (${seen.detail}); an operator must decide`));
      continue;
    }
    const executed = await moveDraft(runtime, draft, 'executed', { ...stateOf(draft), execution: { startedAt: stateOf(draft).execution?.startedAt ?? iso(runtime), finishedAt: iso(runtime), result: null } });
    if (!executed) continue;
    await auditTransition(runtime, executed, { kind: 'executed', actor: 'system:recovery', surface: 'internal', outcome: 'ok', reason: `recovered after restart: ${seen.detail}` });
    outcomes.push(await verifyAndRecord(runtime, executed, input, null, 'internal'));
  }
  return outcomes;
}

async function stall(runtime: GatewayRuntime, draft: DraftRecord, surface: 'api' | 'cli' | 'console' | 'internal', reason: string): Promise<DraftRecord> {
  const moved = await moveDraft(runtime, draft, draft.status, { ...stateOf(draft), stalled: { since: iso(runtime), reason } });
  runtime.logger.error({ draftId: draft.id, reason }, 'action stalled; waiting for an operator');
  await auditTransition(runtime, moved ?? draft, { kind: 'stalled', actor: 'system:executor', surface, outcome: 'error', errorCode: 'conflict', reason });
  return moved ?? draft;
}
