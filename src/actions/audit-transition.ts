import type { AuditEventInput } from '../audit/event.js';
import type { Principal, Surface } from '../auth/principal.js';
import { auditedJson, auditedText, oauthIdentity } from '../pipeline/audit-call.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { newId } from '../util/ids.js';

/**
 * Who caused a transition: a system actor's name (`system:executor`), or the person, whose
 * OAuth identity (subject, issuer, client) the event then carries like a tool call's does, so
 * `audit --subject` finds their approvals and rollbacks too.
 */
export type TransitionActor = string | Principal;

export const actorIdOf = (actor: TransitionActor): string => (typeof actor === 'string' ? actor : actor.actorId);

/**
 * Every draft transition is one event in the same hash chain as tool calls (`action.approved`,
 * `action.executed`, …), so the audit log alone tells the whole story of a write.
 */
export async function auditTransition(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  change: TransitionAudit,
): Promise<string> {
  const event = transitionEvent(runtime, draft, change);
  await runtime.store.audit.append(event);
  return event.id;
}

export interface TransitionAudit {
  readonly kind: string;
  readonly actor: TransitionActor;
  readonly surface: Surface;
  readonly outcome: AuditEventInput['outcome'];
  readonly decision?: AuditEventInput['decision'];
  readonly reason: string;
  readonly errorCode?: string | null;
  readonly data?: Record<string, unknown>;
  /** Pre-allocated when the caller needs to cite the event before it is written. */
  readonly id?: string;
}

/** The event auditTransition writes, built without writing it (to queue it with a draft change). */
export function transitionEvent(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  change: TransitionAudit,
): AuditEventInput & { readonly id: string } {
  return {
    id: change.id ?? newId('aud', runtime.now()),
    time: new Date(runtime.now()).toISOString(),
    kind: `action.${change.kind}`,
    requestId: null,
    callId: null,
    surface: change.surface,
    client: draft.client,
    actor: actorIdOf(change.actor),
    tenant: draft.tenant,
    tool: draft.tool,
    decision: change.decision ?? (change.outcome === 'denied' ? 'deny' : 'allow'),
    reason: auditedText(change.reason, runtime.maskSecrets),
    outcome: change.outcome,
    errorCode: change.errorCode ?? null,
    inputSummary: auditedJson(parsedOrText(draft.input), runtime.maskSecrets),
    outputSummary: null,
    resultBytes: 0,
    resultTokens: 0,
    sourceIds: [draft.id],
    latencyMs: 0,
    data: { draftId: draft.id, status: draft.status, draftHash: draft.draftHash, ...change.data },
    ...(typeof change.actor === 'string' ? {} : oauthIdentity(change.actor)),
  };
}

/** A draft's stored input, parsed (it is JSON); as the text it is if it is not. */
function parsedOrText(input: string): unknown {
  try {
    return JSON.parse(input) as unknown;
  } catch {
    return input;
  }
}
