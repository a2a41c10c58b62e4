import { GATEWAY_ACTOR, GATEWAY_ACTORS } from '../auth/principal.js';
import type { AuditEventInput } from '../audit/event.js';
import type { Surface } from '../auth/principal.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { actorIdOf, transitionEvent, type TransitionActor } from './audit-transition.js';
import { queued, writeQueued } from './queued-audit.js';
import { stateOf } from './draft-state.js';
import { LIFECYCLE, nextStatus, type DraftEvent } from './lifecycle.js';
import type { DraftState } from './types.js';

export interface TransitionChange {
  readonly actor: TransitionActor;
  readonly surface: Surface;
  readonly reason: string;
  /** The draft's new state JSON; defaults to the current one. */
  readonly state?: DraftState;
  readonly outcome?: AuditEventInput['outcome'];
  readonly errorCode?: string | null;
  readonly data?: Record<string, unknown>;
  /** Pre-allocated audit id, when the caller cites the event before it is written. */
  readonly auditId?: string;
}

/**
 * The one way a draft changes status: the lifecycle table must allow `event` from the draft's
 * status, the actor must be of the kind the table names, the move is a compare-and-set on the
 * draft's version, and the audit event the table names is queued with it and written after it. Returns null when
 * another writer moved the draft first (the caller re-reads and decides again).
 */
export async function applyTransition(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  event: DraftEvent,
  change: TransitionChange,
): Promise<DraftRecord | null> {
  const rule = LIFECYCLE[event];
  const to = nextStatus(draft.status, event);
  if (to === null) throw notAllowed(draft, event);
  const actor = actorIdOf(change.actor);
  // One of the gateway's own names, which no caller may take (GATEWAY_ACTORS); not the `system:`
  // prefix, which a person's id may have (a Kubernetes service account's subject). The
  // auto-approval decides as an approver would.
  const isSystem = GATEWAY_ACTORS.has(actor) && actor !== GATEWAY_ACTOR.autoApprove;
  if ((rule.by === 'system') !== isSystem) {
    throw new ToolgateError('internal', undefined, {
      detail: `lifecycle: ${event} must be caused by ${rule.by}, not ${actor}`,
    });
  }
  const nowIso = new Date(runtime.now()).toISOString();
  const state = JSON.stringify(change.state ?? stateOf(draft));
  const audit = transitionEvent(
    runtime,
    { ...draft, status: to },
    {
      kind: rule.audit,
      actor: change.actor,
      surface: change.surface,
      outcome: change.outcome ?? 'ok',
      reason: change.reason,
      errorCode: change.errorCode ?? null,
      ...(change.data ? { data: change.data } : {}),
      ...(change.auditId ? { id: change.auditId } : {}),
    },
  );
  // The event is queued in the move's own transaction, so a failure before it reaches the audit
  // log cannot leave the move unrecorded: the recovery sweep writes it (queued-audit.ts).
  const moved = await runtime.store.drafts.update(
    draft.id,
    draft.version,
    { status: to, state },
    nowIso,
    queued(audit),
  );
  if (!moved) return null;
  await writeQueued(runtime, audit, `Draft ${draft.id} is now ${to}`);
  return moved;
}

/** The typed refusal for an event the table does not allow from the draft's status. */
export function notAllowed(draft: DraftRecord, event: DraftEvent): ToolgateError {
  const allowedFrom = LIFECYCLE[event].from.join(' or ');
  return new ToolgateError(
    'conflict',
    `Draft ${draft.id} is ${draft.status}; "${event}" applies only to drafts that are ${allowedFrom}.`,
  );
}
