import type { AuditEventInput } from '../audit/event.js';
import { asToolgateError, ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { QueuedAudit } from '../store/types.js';

/**
 * How old a queued event must be before a flush writes it: its own append normally lands within
 * milliseconds (a lock wait gives up after LOCK_WAIT_MS, 5 s), so one older than this has failed.
 */
export const QUEUED_AUDIT_GRACE_MS = 30_000;

/** A transition's event as the store queues it beside the draft change (store/types.ts QueuedAudit). */
export const queued = (event: AuditEventInput): QueuedAudit => ({ id: event.id, event: JSON.stringify(event) });

/**
 * Writes a queued event and takes it off the queue. A failed append leaves the event queued for
 * flushQueuedAudits and throws `unavailable` saying what took effect (`done`, e.g. "Draft drf_1
 * is now approved"), not retryable: the change committed with the event queued beside it. The
 * store's own words, "nothing was returned" and retryable, made a model draft the same refund
 * again and an approver think an approval that later ran had not been taken (outside probe,
 * PostgreSQL locked or restarted between the two writes). A failed dequeue only logs: the event
 * is in the audit log, and the next flush finds it there and dequeues it.
 */
export async function writeQueued(runtime: GatewayRuntime, event: AuditEventInput, done: string): Promise<void> {
  try {
    await runtime.store.audit.append(event);
  } catch (thrown) {
    const error = asToolgateError(thrown);
    runtime.logger.error(
      { err: thrown, auditId: event.id },
      'a draft change committed but its audit event could not be written; it stays queued for the recovery sweep',
    );
    throw new ToolgateError(
      'unavailable',
      `${done}, but the gateway could not record that yet: the record is queued and written when the store ` +
        'recovers, and whatever follows from it (an approved change running) happens then. Do not repeat it.',
      { detail: error.detail ?? error.message, cause: thrown, retryable: false },
    );
  }
  await runtime.store.drafts.dequeueAudit(event.id).catch((err: unknown) => {
    runtime.logger.warn({ err, auditId: event.id }, 'audit event written; taking it off the queue failed (retried)');
  });
}

/**
 * Writes the events whose draft change committed while their own append did not (a store or
 * writer failure between the two, a process stopped there), once each: an event already in the
 * log is only dequeued. Only events queued QUEUED_AUDIT_GRACE_MS ago or earlier are taken, so one
 * whose append is still in flight is left to it. Run by the recovery sweep before it settles
 * drafts. An event that lands this way comes later in the chain than its `time` says.
 */
export async function flushQueuedAudits(runtime: GatewayRuntime): Promise<number> {
  const before = new Date(runtime.now() - QUEUED_AUDIT_GRACE_MS).toISOString();
  let written = 0;
  for (const { id, event } of await runtime.store.drafts.queuedAudits(before, 1_000)) {
    // One that cannot be written is logged and left queued; it must not hold up the others, nor
    // the settling of interrupted drafts that follows in the same sweep.
    try {
      if (!(await runtime.store.audit.get(id))) {
        await runtime.store.audit.append(JSON.parse(event) as AuditEventInput);
        written++;
      }
      await runtime.store.drafts.dequeueAudit(id);
    } catch (err) {
      runtime.logger.error({ err, auditId: id }, 'could not write a queued audit event; it stays queued');
    }
  }
  if (written > 0) runtime.logger.warn({ written }, 'wrote audit events of draft changes whose own write had failed');
  return written;
}
