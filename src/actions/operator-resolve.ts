import type { Principal } from '../auth/principal.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { refuse, type DecisionRequest } from './approve.js';
import { stateOf } from './draft-state.js';
import { runExecute } from './execute.js';
import { checkedOperatorDraft } from './operator-checks.js';
import { applyTransition } from './transition.js';
import { reconcileSettling } from './verify.js';
import { draftInputOf } from './draft-input.js';

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
  const { draft, spec } = await checkedOperatorDraft(
    runtime,
    draftId,
    operator,
    request,
    decision,
    'Resolving a draft',
  );
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
  const input = draftInputOf(spec, draft);
  const {
    draft: checked,
    settledHere,
    sawWrite,
  } = await reconcileSettling(
    runtime,
    draft,
    input,
    request.surface,
    `operator retry: ${request.reason}`,
    operator.actorId,
  );
  if (settledHere) return checked; // the write had landed: nothing to run
  // Another instance or operator moved it meanwhile (retried, closed, found the write): refused and
  // audited, as a lost race after the checks is everywhere else. If this verify found the write, the
  // refusal says so: when the other closed the draft as failed, it is the only record that the
  // write landed after all (review).
  if (checked.status !== 'unresolved')
    throw await refuse(
      runtime,
      draft,
      operator,
      request,
      'conflict',
      sawWrite === undefined
        ? 'The draft changed; reload it.'
        : `The draft changed (it is ${checked.status} now); reload it. Verify sees the write upstream: ${sawWrite}.`,
    );
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
