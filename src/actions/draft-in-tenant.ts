import { edgeEvent } from '../audit/event.js';
import type { Principal, Surface } from '../auth/principal.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import { auditedText, oauthIdentity } from '../pipeline/audit-call.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import { newId } from '../util/ids.js';

/**
 * The draft a person's decision names, if it is in their own tenant. Any other — a guessed id,
 * or another tenant's draft — is answered `not_found` as before, and is now audited as
 * `action.decision_refused` under the person's own tenant: before, probing ids left no trace at
 * all (outside probe, 2026-12-07). The two stay alike in the event too, which the person's own
 * tenant can read (the console's audit pages): it names the id only as given (`data.draftId`),
 * never as a source record, so it cannot appear on another tenant's draft timeline, and says
 * nothing of whether the id exists elsewhere (a first version did, in `data.otherTenant`: an
 * existence check for any id, found in review).
 */
export async function draftInTenant(
  runtime: GatewayRuntime,
  draftId: string,
  who: Principal,
  request: { readonly surface: Surface },
  decision: string,
): Promise<DraftRecord> {
  const draft = await runtime.store.drafts.get(draftId);
  if (draft && draft.tenant === who.tenant) return draft;
  const message = `Draft ${draftId} was not found.`;
  // An edge-shaped event (no call, no input, no sources), on the gateway's clock.
  const event = {
    ...edgeEvent({
      kind: 'action.decision_refused',
      surface: request.surface,
      client: 'approvals',
      actor: who.actorId,
      tenant: who.tenant,
      decision: 'deny',
      // The id is whatever the caller sent: masked like any text that goes into the log (review).
      reason: `${decision}: ${auditedText(message, runtime.maskSecrets, 300)}`,
      outcome: 'denied',
      errorCode: 'not_found',
      data: { draftId: auditedText(draftId, runtime.maskSecrets, 100), decision },
      ...oauthIdentity(who),
    }),
    id: newId('aud', runtime.now()),
    time: new Date(runtime.now()).toISOString(),
  };
  await runtime.store.audit.append(event);
  throw Object.assign(new ToolgateError('not_found', message), { auditId: event.id });
}
