import type { Principal } from '../auth/principal.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { refuse, type DecisionRequest } from './approve.js';
import { stateOf } from './draft-state.js';
import { checkedOperatorDraft } from './operator-checks.js';
import { applyTransition } from './transition.js';
import { observe } from './verify.js';
import { draftInputOf } from './draft-input.js';

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
  const { draft, spec } = await checkedOperatorDraft(
    runtime,
    draftId,
    operator,
    request,
    'reverify_ok',
    'Verifying again',
  );
  const input = draftInputOf(spec, draft);
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
