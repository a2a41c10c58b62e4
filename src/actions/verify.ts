import { GATEWAY_ACTOR, type Surface } from '../auth/principal.js';
import type { Verification } from '../contract/types.js';
import { asToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { actionContext, actionSpecOf, idempotencyKeyOf, stateOf } from './draft-state.js';
import { untilAborted } from '../util/abort.js';
import { applyTransition } from './transition.js';

const iso = (runtime: GatewayRuntime) => new Date(runtime.now()).toISOString();

/** Runs the action's `verify` under a deadline; a throw means "cannot tell", not "absent". */
export async function observe(runtime: GatewayRuntime, draft: DraftRecord, input: unknown, result: unknown) {
  const spec = actionSpecOf(runtime, draft);
  const { ctx, done } = actionContext(runtime, draft, spec);
  try {
    const seen: Verification = await Promise.race([spec.verify(input, result, ctx), untilAborted(ctx.signal)]);
    return { told: true as const, ...seen };
  } catch (thrown) {
    const error = asToolgateError(thrown);
    return { told: false as const, ok: false, detail: `verify failed: ${error.detail ?? error.message}` };
  } finally {
    done();
  }
}

/** Checks the final state; a mismatch is loud: `unverified`, an error log and an error audit event. */
export async function verifyAndRecord(
  runtime: GatewayRuntime,
  executed: DraftRecord,
  input: unknown,
  result: unknown,
  surface: Surface,
): Promise<DraftRecord> {
  const { ok, detail, told } = await observe(runtime, executed, input, result);
  return recordVerification(runtime, executed, { ok, detail }, surface, told);
}

async function recordVerification(
  runtime: GatewayRuntime,
  executed: DraftRecord,
  seen: Verification,
  surface: Surface,
  told = true,
) {
  if (!seen.ok) {
    // Both end `unverified`, but an operator acts differently on "it says no" and "it could not
    // say" (the upstream's read failed or hung): the log said "does not match" for both.
    runtime.logger.error(
      { draftId: executed.id, tool: executed.tool, detail: seen.detail },
      told
        ? 'ACTION UNVERIFIED: final state does not match'
        : 'ACTION UNVERIFIED: verify could not check the final state',
    );
  }
  const moved = await applyTransition(runtime, executed, seen.ok ? 'verify_ok' : 'verify_mismatch', {
    actor: GATEWAY_ACTOR.verifier,
    surface,
    reason: seen.detail,
    state: { ...stateOf(executed), verification: { ...seen, at: iso(runtime) } },
    outcome: seen.ok ? 'ok' : 'error',
    errorCode: seen.ok ? null : 'unverified',
  });
  return moved ?? executed;
}

/**
 * The outcome of a write is unknown (timeout, reset, a crash mid-execute): ask `verify` before
 * deciding anything. Seen → executed and verified; positively absent → unresolved but safe to
 * retry with the same idempotency key; cannot tell → unresolved for an operator. Never `failed`.
 */
export async function reconcile(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  input: unknown,
  surface: Surface,
  why: string,
  actor: string = GATEWAY_ACTOR.reconciler,
): Promise<DraftRecord> {
  return (await reconcileSettling(runtime, draft, input, surface, why, actor)).draft;
}

/**
 * reconcile, also saying whether this call found the write and settled the draft. `false` with a
 * draft no longer `unresolved` means another instance or person moved it first, and the draft is
 * as they left it: an operator's retry must not pass that off as its own (outside probe: a retry
 * that lost the race was answered 200 `executing` and left no audit event).
 */
export async function reconcileSettling(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  input: unknown,
  surface: Surface,
  why: string,
  actor: string,
): Promise<{
  readonly draft: DraftRecord;
  readonly settledHere: boolean;
  /** What verify saw when it found the write, also when another had moved the draft first. */
  readonly sawWrite?: string;
}> {
  const seen = await observe(runtime, draft, input, null);
  if (!seen.ok) {
    const retrySafe = seen.told;
    const next = retrySafe
      ? `verify did not find the write (${seen.detail}); a retry reuses the same idempotency key`
      : `${seen.detail}; an operator must decide`;
    return { draft: await markUnresolved(runtime, draft, surface, `${why}; ${next}`, retrySafe), settledHere: false };
  }
  await runtime.store.idempotency.complete(idempotencyKeyOf(draft), 'null');
  const state = stateOf(draft);
  const { unresolved: _settled, ...rest } = state;
  const execution = { startedAt: state.execution?.startedAt ?? iso(runtime), finishedAt: iso(runtime), result: null };
  const executed = await applyTransition(runtime, draft, draft.status === 'unresolved' ? 'reconcile_seen' : 'succeed', {
    actor: draft.status === 'unresolved' ? actor : GATEWAY_ACTOR.reconciler,
    surface,
    reason: `${why}; verify sees the write: ${seen.detail}`,
    state: { ...rest, execution },
  });
  if (!executed)
    return { draft: (await runtime.store.drafts.get(draft.id)) ?? draft, settledHere: false, sawWrite: seen.detail };
  return {
    draft: await recordVerification(runtime, executed, { ok: true, detail: seen.detail }, surface),
    settledHere: true,
  };
}

/** Leaves a draft visibly `unresolved` for an operator (console, CLI, REST): retry or close. */
export async function markUnresolved(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  surface: Surface,
  reason: string,
  retrySafe: boolean,
): Promise<DraftRecord> {
  if (draft.status !== 'executing') return (await runtime.store.drafts.get(draft.id)) ?? draft;
  // A compare-and-set on the version this execution knows, never on a re-read: if the draft moved
  // since (another instance settled it, an operator retried it), it is theirs now. Before, a late
  // failure here could mark an operator's retry in flight unresolved.
  const moved = await applyTransition(runtime, draft, 'outcome_unknown', {
    actor: GATEWAY_ACTOR.executor,
    surface,
    reason,
    state: { ...stateOf(draft), unresolved: { since: iso(runtime), reason, retrySafe } },
    outcome: 'error',
    errorCode: 'conflict',
  });
  if (moved) runtime.logger.error({ draftId: draft.id, reason }, 'action outcome unknown; waiting for an operator');
  return moved ?? (await runtime.store.drafts.get(draft.id)) ?? draft;
}
