import { GATEWAY_ACTOR } from '../auth/principal.js';
import type { ActionRuntimeSpec } from '../contract/types.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { auditTransition } from './audit-transition.js';
import { idempotencyKeyOf } from './draft-state.js';
import { LEASE_MARGIN_MS } from './recovery.js';

/**
 * The claim that makes a rollback run once, taken before the upstream is called: of two rollbacks
 * asked for at once, the second is refused. Returns the claim's key, or null when another
 * rollback holds it or has finished.
 *
 * A claim whose holder stopped before it could release or complete it (its process killed, its
 * database gone at that moment) is taken over once the holder's deadline is past by the lease
 * margin, and the attempt it stood for is audited: before, nothing ever released such a claim, so
 * every later rollback of the draft was refused (an outside probe, PostgreSQL with two
 * instances). The claim's time is the store's (wall clock), so its age is too.
 */
export async function claimRollback(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  spec: Pick<ActionRuntimeSpec, 'executeTimeoutMs'>,
): Promise<string | null> {
  const key = `${idempotencyKeyOf(draft)}-rollback`;
  const claim = await runtime.store.idempotency.claim(key, draft.draftHash);
  if (claim.state === 'claimed') return key;
  if (claim.state !== 'in_progress') return null;
  const leaseEnd = Date.parse(claim.since) + spec.executeTimeoutMs + LEASE_MARGIN_MS;
  if (!(leaseEnd < Date.now()) || !(await runtime.store.idempotency.takeOver(key, claim.since))) return null;
  await auditTransition(runtime, draft, {
    kind: 'rollback_failed',
    actor: GATEWAY_ACTOR.reconciler,
    surface: 'internal',
    outcome: 'error',
    errorCode: 'unavailable',
    reason:
      `A rollback claimed at ${claim.since} never finished (its process stopped?); whether it took effect ` +
      'upstream is not known. A new rollback takes its place.',
  });
  return key;
}
