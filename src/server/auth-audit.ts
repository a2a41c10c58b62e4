import { edgeEvent, type AuditEventInput } from '../audit/event.js';
import type { AuthFailure } from '../auth/challenge.js';
import type { Principal, Surface } from '../auth/principal.js';
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
