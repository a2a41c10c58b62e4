import { GATEWAY_ACTOR, type Surface } from '../auth/principal.js';
import { asToolgateError, ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import { auditedJson } from '../pipeline/audit-call.js';
import type { DraftRecord } from '../store/types.js';
import { actionContext, actionSpecOf, idempotencyKeyOf, stateOf } from './draft-state.js';
import { untilAborted } from '../util/abort.js';
import { provablyNotApplied } from './outcome.js';
import { applyTransition } from './transition.js';
import { markUnresolved, reconcile, verifyAndRecord } from './verify.js';
import { draftInputOf } from './draft-input.js';

const iso = (runtime: GatewayRuntime) => new Date(runtime.now()).toISOString();

/**
 * Runs an approved draft exactly once. Two guards, both in the store: the compare-and-set from
 * `approved` to `executing` (only one caller wins, however many approvals race), and the
 * idempotency claim on the draft's key (a second process can never claim it again). The key
 * also goes to the internal API, so even a retried HTTP request cannot act twice.
 */
export async function executeApproved(runtime: GatewayRuntime, approved: DraftRecord, surface: Surface) {
  const started = await applyTransition(runtime, approved, 'start', {
    actor: GATEWAY_ACTOR.executor,
    surface,
    reason: `executing with idempotency key ${idempotencyKeyOf(approved)}`,
    state: { ...stateOf(approved), execution: { startedAt: iso(runtime) } },
  });
  if (!started) return (await runtime.store.drafts.get(approved.id)) ?? approved; // someone else runs it
  const claim = await runtime.store.idempotency.claim(idempotencyKeyOf(started), started.draftHash);
  if (claim.state !== 'claimed') {
    const reason = `idempotency key already ${claim.state}; not executing again`;
    return markUnresolved(runtime, started, surface, reason, false);
  }
  return runExecute(runtime, started, surface);
}

/**
 * Calls `execute` on a draft that is `executing` and settles it: success → executed → verify;
 * a refusal that provably changed nothing → failed; anything else (timeout, reset, 5xx) →
 * reconcile with `verify`, never a silent `failed`. Also used by an operator's retry.
 */
export async function runExecute(runtime: GatewayRuntime, executing: DraftRecord, surface: Surface) {
  const spec = actionSpecOf(runtime, executing);
  let input: unknown;
  try {
    input = draftInputOf(spec, executing);
  } catch (thrown) {
    // Its input no longer parses: execute was never called. It stayed `executing` for good, with
    // the recovery sweep logging a ZodError every 30 s and no operator command applying (outside
    // probe); now it fails like any write that provably changed nothing.
    return failUnapplied(runtime, executing, surface, asToolgateError(thrown));
  }
  const { ctx, done } = actionContext(runtime, executing, spec);
  let result: unknown;
  try {
    result = await Promise.race([spec.execute(input, ctx), untilAborted(ctx.signal)]);
  } catch (thrown) {
    const error = asToolgateError(thrown);
    const message = `${error.code}: ${error.detail ?? error.message}`;
    runtime.logger.error({ err: thrown, draftId: executing.id }, 'action execute failed');
    if (!provablyNotApplied(thrown)) return reconcile(runtime, executing, input, surface, message);
    return failUnapplied(runtime, executing, surface, error);
  } finally {
    done();
  }
  const state = stateOf(executing);
  const execution = { startedAt: state.execution?.startedAt ?? iso(runtime), finishedAt: iso(runtime), result };
  let executed: DraftRecord | null;
  try {
    await runtime.store.idempotency.complete(idempotencyKeyOf(executing), JSON.stringify(result ?? null));
    executed = await applyTransition(runtime, executing, 'succeed', {
      actor: GATEWAY_ACTOR.executor,
      surface,
      reason: 'internal API accepted the write',
      state: { ...state, execution },
      data: { result: auditedJson(result ?? null, runtime.maskSecrets, 500) },
    });
  } catch (thrown) {
    throw writtenButNotRecorded(runtime, executing, thrown);
  }
  if (!executed) return markUnresolved(runtime, executing, surface, 'draft changed while executing', false);
  return verifyAndRecord(runtime, executed, input, result, surface);
}

/**
 * The store failed after the internal API took the write. The caller was told "nothing was
 * returned", the store's usual words, for a refund that had been made, and no log line named the
 * draft (an outside probe, PostgreSQL restarted mid-execute). The draft stays `executing`; the
 * recovery sweep reconciles it with verify once its lease is over, as for a stopped process.
 */
function writtenButNotRecorded(runtime: GatewayRuntime, executing: DraftRecord, thrown: unknown): ToolgateError {
  const error = asToolgateError(thrown);
  runtime.logger.error(
    { err: thrown, draftId: executing.id, tool: executing.tool },
    'the internal API took the write but recording it failed; the recovery sweep settles the draft after its lease',
  );
  // Not the store's own message ("nothing was returned"): here something was done. Details stay in the log.
  const message =
    'The internal API took the write, but the gateway could not record it; ' +
    `the recovery sweep settles draft ${executing.id} once its lease is over.`;
  return new ToolgateError(error.code, message, { detail: error.detail, cause: thrown });
}

/** An execution that provably changed nothing ends `failed`, its idempotency key given back. */
async function failUnapplied(
  runtime: GatewayRuntime,
  executing: DraftRecord,
  surface: Surface,
  error: ToolgateError,
): Promise<DraftRecord> {
  // Nothing reached the internal system: give the key back so a new draft is not blocked.
  await runtime.store.idempotency.release(idempotencyKeyOf(executing));
  const state = stateOf(executing);
  const execution = {
    startedAt: state.execution?.startedAt ?? iso(runtime),
    finishedAt: iso(runtime),
    error: `${error.code}: ${error.detail ?? error.message}`,
  };
  const failed = await applyTransition(runtime, executing, 'fail', {
    actor: GATEWAY_ACTOR.executor,
    surface,
    reason: error.detail ?? error.message,
    state: { ...state, execution },
    outcome: 'error',
    errorCode: error.code,
  });
  return failed ?? executing;
}
