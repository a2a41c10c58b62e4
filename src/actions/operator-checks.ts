import type { Principal } from '../auth/principal.js';
import type { ActionRuntimeSpec } from '../contract/types.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { checkReason, refuse, type DecisionRequest } from './approve.js';
import { draftInTenant } from './draft-in-tenant.js';
import { actionSpecOf } from './draft-state.js';
import { nextStatus, type DraftEvent } from './lifecycle.js';
import { notAllowed } from './transition.js';

/**
 * The checks an operator's decision shares (retry, close, reverify), in order: the draft in their
 * own tenant, a reason, an approver role of the action, a status the lifecycle table allows
 * `event` from, and the hash they reviewed. Each refusal is audited before it is thrown.
 */
export async function checkedOperatorDraft(
  runtime: GatewayRuntime,
  draftId: string,
  operator: Principal,
  request: DecisionRequest,
  event: DraftEvent,
  /** What the role refusal says is being done: "Resolving a draft", "Verifying again". */
  doing: string,
): Promise<{ draft: DraftRecord; spec: ActionRuntimeSpec }> {
  const draft = await draftInTenant(runtime, draftId, operator, request, event === 'reverify_ok' ? 'reverify' : event);
  const spec = actionSpecOf(runtime, draft);
  checkReason(request);
  if (!spec.approval.roles.some((role) => operator.roles.includes(role))) {
    const message = `${doing} needs one of the roles ${spec.approval.roles.join(', ')}.`;
    throw await refuse(runtime, draft, operator, request, 'forbidden', message);
  }
  if (nextStatus(draft.status, event) === null) {
    throw await refuse(runtime, draft, operator, request, 'conflict', notAllowed(draft, event).message);
  }
  const stale = notReviewed(draft, request);
  if (stale) throw await refuse(runtime, draft, operator, request, 'conflict', stale);
  return { draft, spec };
}

/**
 * Why a decision that names a draft hash (`--hash`, `draft_hash`) may not go on, or null: the
 * draft is not the one reviewed. Retry, close, reverify and rollback each took the hash and never
 * compared it until a review found it (approve has its own wording for the same check).
 */
export function notReviewed(draft: DraftRecord, request: Pick<DecisionRequest, 'draftHash'>): string | null {
  return request.draftHash !== undefined && request.draftHash !== draft.draftHash
    ? `Draft ${draft.id} is not the one you reviewed; reload it and review again.`
    : null;
}
