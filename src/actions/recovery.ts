import type { ActionRuntimeSpec } from '../contract/types.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { actionSpecOf, stateOf } from './draft-state.js';
import { executeApproved } from './execute.js';
import { flushQueuedAudits } from './queued-audit.js';
import { reconcile, verifyAndRecord } from './verify.js';
import { draftInputOf } from './draft-input.js';

/**
 * Room beyond an execution's own deadlines (execute, then verify, each `executeTimeoutMs`) for
 * the store round trips around them and for clock skew between instances.
 */
export const LEASE_MARGIN_MS = 30_000;

/**
 * Until when the instance that started a draft's execution may still be running it. Before it,
 * the draft is not interrupted but in flight somewhere (a rolling restart: the new instance starts
 * while the old one executes); after it, whoever started it has settled it or died. An operator's
 * retry starts the clock again (operator-resolve.ts).
 */
export function leaseEndOf(draft: DraftRecord, spec: Pick<ActionRuntimeSpec, 'executeTimeoutMs'>): number {
  const started = Date.parse(stateOf(draft).execution?.startedAt ?? '');
  return Number.isNaN(started) ? 0 : started + 2 * spec.executeTimeoutMs + LEASE_MARGIN_MS;
}

/**
 * Drafts left `executing` by a process that stopped never run again on their own: each is
 * reconciled with `verify` (seen → executed and verified; otherwise `unresolved` for an
 * operator). Run at start-up and then periodically (start-server.ts), so a draft whose lease was
 * still running at start-up, or whose instance died while this one runs, is settled too.
 *
 * Before, every `executing` draft counted as interrupted: an instance starting while another was
 * executing settled that draft under it (verify did not see the write yet, so "retry-safe"), and an
 * operator's retry then ran the write a second time. One draft that cannot be settled (its action
 * is no longer defined, its input no longer parses) is logged and left; before, it stopped the
 * others and the server from starting.
 */
export async function resumeInterrupted(runtime: GatewayRuntime): Promise<DraftRecord[]> {
  // First the events of moves already made, so the log tells them before what follows from them.
  await flushQueuedAudits(runtime);
  const outcomes = await settleLeaseEnded(
    runtime,
    'executing',
    'cannot settle an interrupted draft; it stays executing (restore its action, then restart)',
    (draft, input) => {
      // Version 0.1 kept such drafts `executing` with a `stalled` note; they are settled the same way.
      const legacy = (stateOf(draft) as { stalled?: { reason: string } }).stalled;
      const why = legacy
        ? `stalled before an upgrade: ${legacy.reason}`
        : 'its execution was never settled (the process stopped, or its store failed)';
      return reconcile(runtime, draft, input, 'internal', why);
    },
  );
  outcomes.push(...(await verifyLeftExecuted(runtime)));
  outcomes.push(...(await startStranded(runtime)));
  return outcomes;
}

/**
 * Drafts left `executed`: the write landed and was recorded, and the process stopped before its
 * verify finished (`executed` lasts only from execute's end to verify's, in one request, within
 * the lease). Before, nothing ever verified them: they stayed `executed`, and the log ended at
 * `action.executed` (outside probe). Verify only reads, so it runs also while writes are off.
 */
function verifyLeftExecuted(runtime: GatewayRuntime): Promise<DraftRecord[]> {
  return settleLeaseEnded(runtime, 'executed', 'cannot verify an executed draft', (draft, input) => {
    runtime.logger.warn({ draftId: draft.id, tool: draft.tool }, 'verifying an executed draft whose verify never ran');
    return verifyAndRecord(runtime, draft, input, stateOf(draft).execution?.result ?? null, 'internal');
  });
}

/**
 * Hands each draft in `status` whose lease is over (before it, its own request may still be on
 * it, maybe on another instance) to `settle`, with its input parsed. One that cannot be settled
 * (its action is no longer defined, its input no longer parses, `settle` throws) is logged as
 * `cannot` and left, so it stops neither the others nor the server from starting.
 */
async function settleLeaseEnded(
  runtime: GatewayRuntime,
  status: 'executing' | 'executed',
  cannot: string,
  settle: (draft: DraftRecord, input: unknown) => Promise<DraftRecord>,
): Promise<DraftRecord[]> {
  const settled: DraftRecord[] = [];
  for (const draft of await runtime.store.drafts.list({ status, limit: 1_000 })) {
    try {
      const spec = actionSpecOf(runtime, draft);
      if (leaseEndOf(draft, spec) > runtime.now()) continue;
      settled.push(await settle(draft, draftInputOf(spec, draft)));
    } catch (error) {
      runtime.logger.error({ err: error, draftId: draft.id, tool: draft.tool }, cannot);
    }
  }
  return settled;
}

/**
 * Approved drafts that never started: `approved` lasts only from the approval's compare-and-set
 * to execute's start, in the same request, so one still `approved` after LEASE_MARGIN_MS was left
 * there by a failure in between (the store refused the next write). Nothing else would ever move
 * it: approve, reject and retry all refuse an approved draft. Its approvers asked for it to run,
 * so it is started, once (execute's compare-and-set and idempotency key, as ever), unless writes
 * are switched off.
 */
async function startStranded(runtime: GatewayRuntime): Promise<DraftRecord[]> {
  if (runtime.readOnly) return [];
  const approved = await runtime.store.drafts.list({ status: 'approved', limit: 1_000 });
  const started: DraftRecord[] = [];
  for (const draft of approved) {
    if (Date.parse(draft.updatedAt) + LEASE_MARGIN_MS > runtime.now()) continue; // its approval is starting it
    try {
      actionSpecOf(runtime, draft); // refuses a draft whose action is gone, as above
      runtime.logger.warn({ draftId: draft.id, tool: draft.tool }, 'starting an approved draft that never started');
      started.push(await executeApproved(runtime, draft, 'internal'));
    } catch (error) {
      runtime.logger.error(
        { err: error, draftId: draft.id, tool: draft.tool },
        'cannot start a stranded approved draft',
      );
    }
  }
  return started;
}
