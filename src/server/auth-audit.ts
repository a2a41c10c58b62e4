import { edgeEvent, type AuditEventInput } from '../audit/event.js';
import type { AuthFailure } from '../auth/challenge.js';
import type { Principal, Surface } from '../auth/principal.js';
import type { Authenticated } from '../auth/static-tokens.js';
import { oauthIdentity } from '../pipeline/audit-call.js';

/**
 * An audit event for a request refused at the edge (issue #12): no credentials, a bad token, an
 * unreachable IdP, or a missing scope. The pipeline never ran, so without this the log would not
 * say why a caller was turned away. Volume stays bounded: the auth-failure throttle blocks an
 * address after a few 401s, and the token itself is never recorded.
 */
export function authDeniedEvent(
  failure: AuthFailure,
  at: { surface: Surface; requestId: string | null; address: string; tool?: string; principal?: Principal },
): AuditEventInput {
  return edgeEvent({
    kind: 'auth.denied',
    requestId: at.requestId,
    surface: at.surface,
    client: 'unknown',
    actor: at.principal?.actorId ?? `address:${at.address}`,
    tenant: at.principal?.tenant ?? null,
    tool: at.tool ?? '-',
    decision: 'deny',
    reason: failure.reason.slice(0, 500),
    outcome: failure.status === 503 ? 'error' : 'denied',
    errorCode: failure.error,
    data: { status: failure.status },
    ...(at.principal ? oauthIdentity(at.principal) : {}),
  });
}

/**
 * An audit event for a good credential used where its kind is refused (separation of duties): an
 * approver credential on /mcp, a model-client credential on /api. Both were answered 403 with no
 * event, so an approver token handed to a model left no trace (an outside differential probe).
 */
export function wrongCredentialEvent(
  who: Authenticated,
  at: { surface: Surface; requestId: string | null; address: string },
): AuditEventInput {
  const reason = who.canApprove
    ? 'an approver credential was used on /mcp, which serves model clients only'
    : 'a model-client credential was used on the approvals API, which serves approvers only';
  const failure = { ok: false, status: 403, error: 'forbidden', description: reason, challenge: null, reason } as const;
  return { ...authDeniedEvent(failure, { ...at, principal: who.principal }), client: who.client };
}
