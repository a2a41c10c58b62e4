import type { Principal } from '../auth/principal.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import type { DecisionRequest } from './approve.js';
import { auditTransition } from './audit-transition.js';
import { actionContext, actionSpecOf, stateOf } from './draft-state.js';
import { nextStatus } from './lifecycle.js';
import { applyTransition, notAllowed } from './transition.js';

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
  const draft = await runtime.store.drafts.get(draftId);
  if (!draft || draft.tenant !== approver.tenant)
    throw new ToolgateError('not_found', `Draft ${draftId} was not found.`);
  const spec = actionSpecOf(runtime, draft);
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

  const input = spec.input.parse(JSON.parse(draft.input));
  const { ctx, done } = actionContext(runtime, draft, spec);
  const at = new Date(runtime.now()).toISOString();
  try {
    const verification = await spec.rollback.run(input, stateOf(draft).execution?.result ?? null, ctx);
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
    const moved = await applyTransition(runtime, draft, 'rollback', {
      actor: approver,
      surface: request.surface,
      reason: `${request.reason}; ${verification.detail}`,
      state: { ...stateOf(draft), rollback: { by: approver.actorId, reason: request.reason, at, verification } },
    });
    if (!moved) throw new ToolgateError('conflict', 'The draft changed during rollback; reload it.');
    return moved;
  } finally {
    done();
  }
}
