import type { Principal } from '../auth/principal.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { checkReason, refuse, type DecisionRequest } from './approve.js';
import { draftInTenant } from './draft-in-tenant.js';
import { actionSpecOf, stateOf } from './draft-state.js';
import { nextStatus } from './lifecycle.js';
import { applyTransition, notAllowed } from './transition.js';
import { observe } from './verify.js';

/**
 * An operator's second look at an `unverified` draft: the action's `verify` runs again, and
 * nothing is written upstream. Seen → `verified`; still not (or still unable to check) → the draft
 * stays `unverified` with the new answer recorded. Before, an unverified draft could only be
 * rolled back, also when its verify had never been able to check (the upstream's read timed out:
 * an outside probe, 2026-12-07). Only reads, so it is offered while writes are off too.
 */
export async function reverifyDraft(
  runtime: GatewayRuntime,
  draftId: string,
  operator: Principal,
  request: DecisionRequest,
): Promise<DraftRecord> {
  const draft = await draftInTenant(runtime, draftId, operator, request, 'reverify');
  const spec = actionSpecOf(runtime, draft);
  checkReason(request);
  if (!spec.approval.roles.some((role) => operator.roles.includes(role))) {
    const message = `Verifying again needs one of the roles ${spec.approval.roles.join(', ')}.`;
    throw await refuse(runtime, draft, operator, request, 'forbidden', message);
  }
  if (nextStatus(draft.status, 'reverify_ok') === null) {
    throw await refuse(runtime, draft, operator, request, 'conflict', notAllowed(draft, 'reverify_ok').message);
  }
  if (request.draftHash !== undefined && request.draftHash !== draft.draftHash) {
    const message = `Draft ${draft.id} is not the one you reviewed; reload it and review again.`;
    throw await refuse(runtime, draft, operator, request, 'conflict', message);
  }
  const input = spec.input.parse(JSON.parse(draft.input));
  const state = stateOf(draft);
  const seen = await observe(runtime, draft, input, state.execution?.result ?? null);
  const at = new Date(runtime.now()).toISOString();
  const moved = await applyTransition(runtime, draft, seen.ok ? 'reverify_ok' : 'reverify_mismatch', {
    actor: operator,
    surface: request.surface,
    reason: `${request.reason}; ${seen.detail}`,
    state: { ...state, verification: { ok: seen.ok, detail: seen.detail, at } },
    outcome: seen.ok ? 'ok' : 'error',
    errorCode: seen.ok ? null : 'unverified',
  });
  // Lost a race (another reverify, a rollback): refused and audited, as a failed check is.
  if (!moved) {
    const message = 'The draft changed while it was being verified; reload it.';
    throw await refuse(runtime, draft, operator, request, 'conflict', message);
  }
  return moved;
}
