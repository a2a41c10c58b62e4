import type { Principal } from '../auth/principal.js';
import { asToolgateError, ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import type { DecisionRequest } from './approve.js';
import { auditTransition } from './audit-transition.js';
import { actionContext, actionSpecOf, moveDraft, stateOf } from './draft-state.js';
import { verifyAndRecord } from './execute.js';

/**
 * An operator's decision on a stalled draft (a process stopped mid-execute and verify could not
 * confirm the write): `retry` runs execute again with the SAME idempotency key, so an internal API
 * that honours it cannot act twice; `fail` closes the draft without running anything.
 */
export async function resolveStalled(runtime: GatewayRuntime, draftId: string, operator: Principal, decision: 'retry' | 'fail', request: DecisionRequest): Promise<DraftRecord> {
  const draft = await runtime.store.drafts.get(draftId);
  if (!draft || draft.tenant !== operator.tenant) throw new ToolgateError('not_found', `Draft ${draftId} was not found.`);
  const spec = actionSpecOf(runtime, draft);
  const state = stateOf(draft);
  if (!spec.approval.roles.some((role) => operator.roles.includes(role))) throw new ToolgateError('forbidden', `Resolving a stalled draft needs one of the roles ${spec.approval.roles.join(', ')}.`);
  if (draft.status !== 'executing' || !state.stalled) throw new ToolgateError('conflict', `Draft ${draft.id} is ${draft.status} and not stalled; nothing to resolve.`);
  const { stalled: _resolved, ...rest } = state;
  if (decision === 'fail') {
    const failed = await moveDraft(runtime, draft, 'failed', { ...rest, execution: { startedAt: state.execution?.startedAt ?? new Date(runtime.now()).toISOString(), error: `closed by ${operator.actorId}: ${request.reason}` } });
    if (!failed) throw new ToolgateError('conflict', 'The draft changed; reload it.');
    await auditTransition(runtime, failed, { kind: 'failed', actor: operator.actorId, surface: request.surface, outcome: 'error', errorCode: 'conflict', reason: `operator closed a stalled draft: ${request.reason}` });
    return failed;
  }
  const input = spec.input.parse(JSON.parse(draft.input));
  const retrying = await moveDraft(runtime, draft, 'executing', rest);
  if (!retrying) throw new ToolgateError('conflict', 'The draft changed; reload it.');
  await auditTransition(runtime, retrying, { kind: 'operator_retry', actor: operator.actorId, surface: request.surface, outcome: 'ok', reason: request.reason });
  const { ctx, done } = actionContext(runtime, retrying, spec);
  let result: unknown;
  try {
    result = await spec.execute(input, ctx);
  } catch (thrown) {
    const error = asToolgateError(thrown);
    const failed = await moveDraft(runtime, retrying, 'failed', { ...rest, execution: { startedAt: new Date(runtime.now()).toISOString(), error: `${error.code}: ${error.detail ?? error.message}` } });
    await auditTransition(runtime, failed ?? retrying, { kind: 'failed', actor: 'system:executor', surface: request.surface, outcome: 'error', errorCode: error.code, reason: error.detail ?? error.message });
    return failed ?? retrying;
  } finally {
    done();
  }
  const executed = await moveDraft(runtime, retrying, 'executed', { ...rest, execution: { startedAt: new Date(runtime.now()).toISOString(), finishedAt: new Date(runtime.now()).toISOString(), result } });
  if (!executed) throw new ToolgateError('conflict', 'The draft changed while executing.');
  await auditTransition(runtime, executed, { kind: 'executed', actor: operator.actorId, surface: request.surface, outcome: 'ok', reason: 'executed on operator retry (same idempotency key)' });
  return verifyAndRecord(runtime, executed, input, result, request.surface);
}
