import type { Principal } from '../auth/principal.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { checkReason, refuse, type DecisionRequest } from './approve.js';
import { actionSpecOf, stateOf } from './draft-state.js';
import { runExecute } from './execute.js';
import { nextStatus } from './lifecycle.js';
import { applyTransition, notAllowed } from './transition.js';
import { reconcile } from './verify.js';
import { draftInTenant } from './draft-in-tenant.js';

export type OperatorDecision = 'retry' | 'close';

/**
 * An operator's decision on an `unresolved` draft (the write may or may not have happened).
 * `retry` first asks `verify` again — a write that landed late completes the draft without
 * running anything — and only then runs execute with the SAME idempotency key, so an internal
 * API that honours it cannot act twice. `close` ends the draft as failed without running anything.
 */
export async function resolveUnresolved(
  runtime: GatewayRuntime,
  draftId: string,
  operator: Principal,
  decision: OperatorDecision,
  request: DecisionRequest,
): Promise<DraftRecord> {
  const draft = await draftInTenant(runtime, draftId, operator, request, decision);
  const spec = actionSpecOf(runtime, draft);
  checkReason(request);
  if (!spec.approval.roles.some((role) => operator.roles.includes(role))) {
    const message = `Resolving a draft needs one of the roles ${spec.approval.roles.join(', ')}.`;
    throw await refuse(runtime, draft, operator, request, 'forbidden', message);
  }
  if (nextStatus(draft.status, decision) === null) {
    throw await refuse(runtime, draft, operator, request, 'conflict', notAllowed(draft, decision).message);
  }
  // As approve and rollback do: a draft_hash (`--hash`) was taken here and never compared (review).
  if (request.draftHash !== undefined && request.draftHash !== draft.draftHash) {
    const message = `Draft ${draft.id} is not the one you reviewed; reload it and review again.`;
    throw await refuse(runtime, draft, operator, request, 'conflict', message);
  }
  const { unresolved, ...rest } = stateOf(draft);
  if (decision === 'close') {
    const error = `closed by ${operator.actorId}: ${request.reason}`;
    const startedAt = rest.execution?.startedAt ?? new Date(runtime.now()).toISOString();
    const closed = await applyTransition(runtime, draft, 'close', {
      actor: operator,
      surface: request.surface,
      reason: `operator closed an unresolved draft: ${request.reason}`,
      state: { ...rest, execution: { ...rest.execution, startedAt, error } },
      outcome: 'error',
      errorCode: 'conflict',
    });
    // Lost a race after every check passed: refused like the checks refuse, and audited (it was not).
    if (!closed) throw await refuse(runtime, draft, operator, request, 'conflict', 'The draft changed; reload it.');
    return closed;
  }
  const input = spec.input.parse(JSON.parse(draft.input));
  const checked = await reconcile(
    runtime,
    draft,
    input,
    request.surface,
    `operator retry: ${request.reason}`,
    operator.actorId,
  );
  if (checked.status !== 'unresolved') return checked; // the write had landed: nothing to run
  const retrying = await applyTransition(runtime, checked, 'retry', {
    actor: operator,
    surface: request.surface,
    reason: `${request.reason} (was: ${unresolved?.reason ?? 'outcome unknown'})`,
    // A new attempt: its start begins a new lease (recovery.ts), so no other instance settles it
    // while it runs. The earlier attempt's start and error are in the audit log.
    state: { ...rest, execution: { startedAt: new Date(runtime.now()).toISOString() } },
  });
  if (!retrying) throw await refuse(runtime, draft, operator, request, 'conflict', 'The draft changed; reload it.');
  return runExecute(runtime, retrying, request.surface);
}
