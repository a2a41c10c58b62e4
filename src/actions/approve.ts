import { GATEWAY_ACTOR, type Principal } from '../auth/principal.js';
import { stripInvisible } from '../guard/invisible.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { newId } from '../util/ids.js';
import { auditTransition } from './audit-transition.js';
import { draftHash } from './draft-hash.js';
import { actionSpecOf, stateOf } from './draft-state.js';
import { executeApproved } from './execute.js';
import { nextStatus } from './lifecycle.js';
import { applyTransition, notAllowed } from './transition.js';
import { draftInTenant } from './draft-in-tenant.js';

export type ApprovalSurface = 'api' | 'cli' | 'console' | 'internal';

export interface DecisionRequest {
  readonly reason: string;
  /** The draft hash the approver was shown; approving anything else is refused. */
  readonly draftHash?: string;
  readonly surface: ApprovalSurface;
}

const MAX_RACES = 50;

/**
 * The approver an auto-approval acts as. Known by the object, not by its name: a caller whose id
 * was `system:auto-approve` (a token's `sub`) passed the name check and skipped the role check on
 * auto-approve actions. Callers may no longer take the name either (GATEWAY_ACTORS).
 */
const policyApprovers = new WeakSet<Principal>();
export function policyApprover(tenant: string): Principal {
  const principal: Principal = { actorId: GATEWAY_ACTOR.autoApprove, tenant, roles: [], scopes: [] };
  policyApprovers.add(principal);
  return principal;
}

/**
 * Records one approval (R4, R11): a recorded act by an approver, bound to the exact draft. When
 * the last required approval lands, the draft executes once. Every refusal is typed and audited.
 */
export async function approveDraft(
  runtime: GatewayRuntime,
  draftId: string,
  approver: Principal,
  request: DecisionRequest,
): Promise<DraftRecord> {
  for (let attempt = 0; attempt < MAX_RACES; attempt++) {
    const draft = await checkedDraft(runtime, draftId, approver, request, 'approve');
    const spec = actionSpecOf(runtime, draft);
    const state = stateOf(draft);
    if (state.approvals.some((a) => a.approver === approver.actorId)) {
      const needed = `it needs ${spec.approval.approvers} distinct approvers`;
      const message = `${approver.actorId} has already approved this draft; ${needed}.`;
      throw await refuse(runtime, draft, approver, request, 'conflict', message);
    }
    const auditId = newId('aud', runtime.now());
    const at = new Date(runtime.now()).toISOString();
    const approval = { approver: approver.actorId, reason: request.reason, at, auditId, draftHash: draft.draftHash };
    const approvals = [...state.approvals, approval];
    const complete = approvals.length >= spec.approval.approvers;
    const moved = await applyTransition(runtime, draft, complete ? 'approve' : 'approval_recorded', {
      actor: approver,
      surface: request.surface,
      reason: `${request.reason} (${approvals.length}/${spec.approval.approvers} approvals)`,
      state: { ...state, approvals },
      auditId,
    });
    if (!moved) continue; // another approval or decision landed first: re-check from scratch
    return complete ? executeApproved(runtime, moved, request.surface) : moved;
  }
  throw new ToolgateError('conflict', 'The draft kept changing while approving; try again.');
}

export async function rejectDraft(
  runtime: GatewayRuntime,
  draftId: string,
  approver: Principal,
  request: DecisionRequest,
): Promise<DraftRecord> {
  for (let attempt = 0; attempt < MAX_RACES; attempt++) {
    const draft = await checkedDraft(runtime, draftId, approver, request, 'reject');
    const rejection = { by: approver.actorId, reason: request.reason, at: new Date(runtime.now()).toISOString() };
    const moved = await applyTransition(runtime, draft, 'reject', {
      actor: approver,
      surface: request.surface,
      reason: request.reason,
      state: { ...stateOf(draft), rejection },
    });
    if (moved) return moved;
  }
  throw new ToolgateError('conflict', 'The draft kept changing while rejecting; try again.');
}

/** The checks every decision on a pending draft shares; each refusal is audited before it is thrown. */
async function checkedDraft(
  runtime: GatewayRuntime,
  draftId: string,
  approver: Principal,
  request: DecisionRequest,
  event: 'approve' | 'reject',
): Promise<DraftRecord> {
  const draft = await draftInTenant(runtime, draftId, approver, request, event);
  const spec = actionSpecOf(runtime, draft);
  checkReason(request);
  // The policy itself approves low-risk auto-approve actions; nobody else can use that identity.
  const byPolicy = policyApprovers.has(approver) && spec.approval.autoApprove && event === 'approve';
  if (!byPolicy && !spec.approval.roles.some((role) => approver.roles.includes(role))) {
    const message = `${event} needs one of the roles ${spec.approval.roles.join(', ')}.`;
    throw await refuse(runtime, draft, approver, request, 'forbidden', message);
  }
  if (!spec.approval.allowSelfApproval && approver.actorId === draft.requester) {
    const message = `${approver.actorId} asked for this draft and may not ${event} it (no self-approval).`;
    throw await refuse(runtime, draft, approver, request, 'forbidden', message);
  }
  if (nextStatus(draft.status, event) === null) {
    throw await refuse(runtime, draft, approver, request, 'conflict', notAllowed(draft, event).message);
  }
  if (Date.parse(draft.expiresAt) <= runtime.now()) {
    const expired = await applyTransition(runtime, draft, 'expire', {
      actor: GATEWAY_ACTOR.expiry,
      surface: request.surface,
      reason: `expired at ${draft.expiresAt}`,
    });
    const message = `Draft ${draft.id} expired at ${draft.expiresAt}; ask for a new draft.`;
    throw await refuse(runtime, expired ?? draft, approver, request, 'conflict', message);
  }
  // Bound to the exact draft: the row must still hash to what was drafted, and to what the approver saw.
  const actual = draftHash(draft.tool, JSON.parse(draft.input), JSON.parse(draft.preview));
  if (actual !== draft.draftHash) {
    const message = `Draft ${draft.id} was changed after it was created (hash mismatch); it cannot be approved.`;
    throw await refuse(runtime, draft, approver, request, 'conflict', message);
  }
  if (request.draftHash !== undefined && request.draftHash !== draft.draftHash) {
    const message = `Draft ${draft.id} is not the version you reviewed; reload it and review again.`;
    throw await refuse(runtime, draft, approver, request, 'conflict', message);
  }
  return draft;
}

export function checkReason(request: DecisionRequest): void {
  // Counted without hidden characters: three zero-width spaces were a reason (outside probe).
  if (stripInvisible(request.reason).text.trim().length < 3) {
    throw new ToolgateError('invalid_input', 'reason: say why (at least 3 characters); it is recorded.', {
      field: 'reason',
    });
  }
  // Kept whole in the draft and shown to every later approver: a 900 KB reason was accepted.
  if (request.reason.length > MAX_REASON_CHARS) {
    throw new ToolgateError('invalid_input', `reason: at most ${MAX_REASON_CHARS} characters.`, { field: 'reason' });
  }
}

/** A decision's reason is a sentence or two; the audit event keeps its first 1,000 characters. */
const MAX_REASON_CHARS = 2_000;

/** Audits a refused decision (`action.decision_refused`) and returns the error to throw. */
export async function refuse(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  who: Principal,
  request: DecisionRequest,
  code: 'forbidden' | 'conflict',
  message: string,
): Promise<ToolgateError> {
  const auditId = await auditTransition(runtime, draft, {
    kind: 'decision_refused',
    actor: who,
    surface: request.surface,
    outcome: 'denied',
    decision: 'deny',
    errorCode: code,
    reason: message,
  });
  return Object.assign(new ToolgateError(code, message), { auditId });
}
