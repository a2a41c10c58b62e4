import type { Principal } from '../auth/principal.js';
import { asToolgateError, ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { checkReason, type DecisionRequest } from './approve.js';
import { auditTransition } from './audit-transition.js';
import { actionContext, actionSpecOf, stateOf } from './draft-state.js';
import { claimRollback } from './rollback-claim.js';
import { notReviewed } from './operator-checks.js';
import { untilAborted } from '../util/abort.js';
import { nextStatus } from './lifecycle.js';
import { applyTransition, notAllowed } from './transition.js';
import { draftInTenant } from './draft-in-tenant.js';
import { draftInputOf } from './draft-input.js';

/** Tries at recording a rollback that took effect on a draft that other moves keep changing. */
const MAX_RECORD_ATTEMPTS = 5;

/**
 * Undoes an executed action where the action defines how. Asking for a rollback is itself an
 * approval: it needs an approver role of the action (and no self-approval where forbidden).
 */
export async function rollbackDraft(
  runtime: GatewayRuntime,
  draftId: string,
  approver: Principal,
  request: DecisionRequest,
): Promise<DraftRecord> {
  const draft = await draftInTenant(runtime, draftId, approver, request, 'rollback');
  const spec = actionSpecOf(runtime, draft);
  checkReason(request); // as for approve, reject, retry and close: every decision says why
  const deny = async (code: 'forbidden' | 'conflict', message: string) => {
    await auditTransition(runtime, draft, {
      kind: 'rollback_refused',
      actor: approver,
      surface: request.surface,
      outcome: 'denied',
      errorCode: code,
      reason: message,
    });
    return new ToolgateError(code, message);
  };
  if (!spec.rollback)
    throw await deny('conflict', `${draft.tool} has no rollback; this was disclosed before approval.`);
  if (!spec.approval.roles.some((role) => approver.roles.includes(role))) {
    throw await deny('forbidden', `Rollback needs one of the roles ${spec.approval.roles.join(', ')}.`);
  }
  if (!spec.approval.allowSelfApproval && approver.actorId === draft.requester) {
    throw await deny('forbidden', 'The requester may not approve a rollback of their own draft.');
  }
  if (nextStatus(draft.status, 'rollback') === null)
    throw await deny('conflict', notAllowed(draft, 'rollback').message);
  const stale = notReviewed(draft, request);
  if (stale) throw await deny('conflict', stale);

  const input = draftInputOf(spec, draft);
  // Claimed before the upstream is called, as execute's key is (rollback-claim.ts). Before, two
  // rollbacks asked for at once both ran the rollback write and the loser's was not audited.
  const claimKey = await claimRollback(runtime, draft, spec);
  if (claimKey === null)
    throw await deny('conflict', `A rollback of ${draft.id} is already running or done; reload the draft.`);
  let tookEffect = false;
  const { ctx, done } = actionContext(runtime, draft, spec);
  const at = new Date(runtime.now()).toISOString();
  try {
    // Raced against the deadline as execute and verify are: a run that ignores its signal hung
    // for good, kept the claim, and every later rollback was refused (found in review).
    const verification = await Promise.race([
      spec.rollback.run(input, stateOf(draft).execution?.result ?? null, ctx),
      untilAborted(ctx.signal),
    ]).catch(async (thrown: unknown) => {
      // It threw or ran out of time: the undo may have landed upstream all the same (a void
      // applied, then its answer lost). Before, only a rollback that answered "did not take
      // effect" was audited; this left no event at all, with the draft still `verified`.
      const error = asToolgateError(thrown);
      await auditTransition(runtime, draft, {
        kind: 'rollback_failed',
        actor: approver,
        surface: request.surface,
        outcome: 'error',
        errorCode: error.code,
        reason:
          `The rollback did not finish (${error.detail ?? error.message}); whether it took effect upstream ` +
          'is not known. Check the upstream before asking for it again.',
      });
      throw error;
    });
    if (!verification.ok) {
      await auditTransition(runtime, draft, {
        kind: 'rollback_failed',
        actor: approver,
        surface: request.surface,
        outcome: 'error',
        errorCode: 'unverified',
        reason: verification.detail,
      });
      throw new ToolgateError('conflict', `Rollback did not take effect: ${verification.detail}`);
    }
    tookEffect = true; // from here on the claim stays: the write was undone upstream
    const rollback = { by: approver.actorId, reason: request.reason, at, verification };
    // A verify, the sweep or a reverify may have moved the draft while the rollback ran (executed
    // → unverified, say). The undo happened all the same, so it is recorded on the draft as it is
    // now; before, the compare-and-set failed, the caller got 409, and a void applied upstream had
    // no event while its claim refused every later rollback (an outside probe).
    let current: DraftRecord | null = draft;
    for (let attempt = 0; current && attempt < MAX_RECORD_ATTEMPTS; attempt++) {
      if (nextStatus(current.status, 'rollback') === null) break;
      const moved = await applyTransition(runtime, current, 'rollback', {
        actor: approver,
        surface: request.surface,
        reason: `${request.reason}; ${verification.detail}`,
        state: { ...stateOf(current), rollback },
      });
      if (moved) return moved;
      current = await runtime.store.drafts.get(draft.id);
    }
    await auditTransition(runtime, current ?? draft, {
      kind: 'rollback_failed',
      actor: approver,
      surface: request.surface,
      outcome: 'error',
      errorCode: 'conflict',
      reason: `The rollback took effect upstream (${verification.detail}), but the draft kept changing and is not marked rolled back.`,
    });
    throw new ToolgateError('conflict', 'The rollback took effect, but the draft kept changing; reload it.');
  } finally {
    done();
    // A rollback that did not take effect (or threw) may be asked for again.
    if (tookEffect) await runtime.store.idempotency.complete(claimKey, 'rolled_back');
    else await runtime.store.idempotency.release(claimKey);
  }
}
