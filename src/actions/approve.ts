import type { Principal } from '../auth/principal.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { newId } from '../util/ids.js';
import { auditTransition } from './audit-transition.js';
import { draftHash } from './draft-hash.js';
import { actionSpecOf, moveDraft, stateOf } from './draft-state.js';
import { executeApproved } from './execute.js';

export type ApprovalSurface = 'api' | 'cli' | 'console' | 'internal';

export interface DecisionRequest {
  readonly reason: string;
  /** The draft hash the approver was shown; approving anything else is refused. */
  readonly draftHash?: string;
  readonly surface: ApprovalSurface;
}

const MAX_RACES = 50;
export const AUTO_APPROVE_ACTOR = 'system:auto-approve';

/**
 * Records one approval (R4, R11): a recorded act by an approver, bound to the exact draft. When
 * the last required approval lands, the draft executes once. Every refusal is typed and audited.
 */
export async function approveDraft(runtime: GatewayRuntime, draftId: string, approver: Principal, request: DecisionRequest): Promise<DraftRecord> {
  for (let attempt = 0; attempt < MAX_RACES; attempt++) {
    const draft = await checkedDraft(runtime, draftId, approver, request, 'approve');
    const spec = actionSpecOf(runtime, draft);
    const state = stateOf(draft);
    if (state.approvals.some((a) => a.approver === approver.actorId)) {
      throw await refuse(runtime, draft, approver, request, 'conflict', `${approver.actorId} has already approved this draft; it needs ${spec.approval.approvers} distinct approvers.`);
    }
    const auditId = newId('aud', runtime.now());
    const approvals = [...state.approvals, { approver: approver.actorId, reason: request.reason, at: new Date(runtime.now()).toISOString(), auditId, draftHash: draft.draftHash }];
    const complete = approvals.length >= spec.approval.approvers;
    const moved = await moveDraft(runtime, draft, complete ? 'approved' : 'awaiting_approval', { ...state, approvals });
    if (!moved) continue; // another approval or decision landed first: re-check from scratch
    await auditTransition(runtime, moved, {
      id: auditId, kind: complete ? 'approved' : 'approval_recorded', actor: approver.actorId, surface: request.surface, outcome: 'ok',
      reason: `${request.reason} (${approvals.length}/${spec.approval.approvers} approvals)`,
    });
    return complete ? executeApproved(runtime, moved, request.surface) : moved;
  }
  throw new ToolgateError('conflict', 'The draft kept changing while approving; try again.');
}

export async function rejectDraft(runtime: GatewayRuntime, draftId: string, approver: Principal, request: DecisionRequest): Promise<DraftRecord> {
  for (let attempt = 0; attempt < MAX_RACES; attempt++) {
    const draft = await checkedDraft(runtime, draftId, approver, request, 'reject');
    const moved = await moveDraft(runtime, draft, 'rejected', { ...stateOf(draft), rejection: { by: approver.actorId, reason: request.reason, at: new Date(runtime.now()).toISOString() } });
    if (!moved) continue;
    await auditTransition(runtime, moved, { kind: 'rejected', actor: approver.actorId, surface: request.surface, outcome: 'ok', reason: request.reason });
    return moved;
  }
  throw new ToolgateError('conflict', 'The draft kept changing while rejecting; try again.');
}

/** The checks every decision on a pending draft shares; each refusal is audited before it is thrown. */
async function checkedDraft(runtime: GatewayRuntime, draftId: string, approver: Principal, request: DecisionRequest, verb: string): Promise<DraftRecord> {
  const draft = await runtime.store.drafts.get(draftId);
  if (!draft || draft.tenant !== approver.tenant) throw new ToolgateError('not_found', `Draft ${draftId} was not found.`);
  const spec = actionSpecOf(runtime, draft);
  if (request.reason.trim().length < 3) throw new ToolgateError('invalid_input', 'reason: say why (at least 3 characters); it is recorded.', { field: 'reason' });
  // The policy itself approves low-risk auto-approve actions; nobody else can use that identity.
  const byPolicy = approver.actorId === AUTO_APPROVE_ACTOR && spec.approval.autoApprove && verb === 'approve';
  if (!byPolicy && !spec.approval.roles.some((role) => approver.roles.includes(role))) {
    throw await refuse(runtime, draft, approver, request, 'forbidden', `${verb} needs one of the roles ${spec.approval.roles.join(', ')}.`);
  }
  if (!spec.approval.allowSelfApproval && approver.actorId === draft.requester) {
    throw await refuse(runtime, draft, approver, request, 'forbidden', `${approver.actorId} asked for this draft and may not ${verb} it (no self-approval).`);
  }
  if (draft.status !== 'awaiting_approval') {
    throw await refuse(runtime, draft, approver, request, 'conflict', `Draft ${draft.id} is ${draft.status}; only drafts awaiting approval can be decided.`);
  }
  if (Date.parse(draft.expiresAt) <= runtime.now()) {
    const expired = await moveDraft(runtime, draft, 'expired', stateOf(draft));
    if (expired) await auditTransition(runtime, expired, { kind: 'expired', actor: 'system:expiry', surface: request.surface, outcome: 'ok', reason: `expired at ${draft.expiresAt}` });
    throw await refuse(runtime, expired ?? draft, approver, request, 'conflict', `Draft ${draft.id} expired at ${draft.expiresAt}; ask for a new draft.`);
  }
  // Bound to the exact draft: the row must still hash to what was drafted, and to what the approver saw.
  const actual = draftHash(draft.tool, JSON.parse(draft.input), JSON.parse(draft.preview));
  if (actual !== draft.draftHash) {
    throw await refuse(runtime, draft, approver, request, 'conflict', `Draft ${draft.id} was changed after it was created (hash mismatch); it cannot be approved.`);
  }
  if (request.draftHash !== undefined && request.draftHash !== draft.draftHash) {
    throw await refuse(runtime, draft, approver, request, 'conflict', `Draft ${draft.id} is not the version you reviewed; reload it and review again.`);
  }
  return draft;
}

async function refuse(runtime: GatewayRuntime, draft: DraftRecord, approver: Principal, request: DecisionRequest, code: 'forbidden' | 'conflict', message: string): Promise<ToolgateError> {
  const auditId = await auditTransition(runtime, draft, { kind: 'decision_refused', actor: approver.actorId, surface: request.surface, outcome: 'denied', decision: 'deny', errorCode: code, reason: message });
  const error = new ToolgateError(code, message);
  return Object.assign(error, { auditId });
}
