import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { actionSpecOf, stateOf } from './draft-state.js';
import { reconcile } from './verify.js';

/**
 * After a restart: drafts left `executing` never run again on their own. Each is reconciled
 * with `verify`: seen → executed and verified; otherwise `unresolved` for an operator.
 */
export async function resumeInterrupted(runtime: GatewayRuntime): Promise<DraftRecord[]> {
  const interrupted = await runtime.store.drafts.list({ status: 'executing', limit: 1_000 });
  const outcomes: DraftRecord[] = [];
  for (const draft of interrupted) {
    const spec = actionSpecOf(runtime, draft);
    const input = spec.input.parse(JSON.parse(draft.input));
    // Version 0.1 kept such drafts `executing` with a `stalled` note; they are settled the same way.
    const legacy = (stateOf(draft) as { stalled?: { reason: string } }).stalled;
    const why = legacy ? `stalled before an upgrade: ${legacy.reason}` : 'process stopped during execute';
    outcomes.push(await reconcile(runtime, draft, input, 'internal', why));
  }
  return outcomes;
}
