import { edgeEvent, type AuditEventInput } from '../audit/event.js';
import type { AuthFailure } from '../auth/challenge.js';
import type { Principal, Surface } from '../auth/principal.js';
import type { Authenticated } from '../auth/static-tokens.js';
import type { AuditLog } from '../store/types.js';
import { oauthIdentity } from '../pipeline/audit-call.js';

/** Where an edge refusal happened, and who it was when the credential itself checked out. */
export interface EdgeRefusalAt {
  readonly surface: Surface;
  readonly requestId: string | null;
  readonly address: string;
  readonly tool?: string;
  readonly principal?: Principal;
  readonly client?: string;
}

/**
 * An audit event for a request refused at the edge (issue #12): no credentials, a bad token, an
 * unreachable IdP, or a missing scope. The pipeline never ran, so without this the log would not
 * say why a caller was turned away. Volume stays bounded: the auth-failure throttle blocks an
 * address after a few 401s, and the token itself is never recorded.
 */
export function authDeniedEvent(failure: AuthFailure, at: EdgeRefusalAt): AuditEventInput {
  return edgeEvent({
    kind: 'auth.denied',
    requestId: at.requestId,
    surface: at.surface,
    // The client, where the caller got as far as being known (a step-up): it was "unknown" (outside probe).
    client: at.client ?? 'unknown',
    actor: at.principal?.actorId ?? `address:${at.address}`,
    tenant: at.principal?.tenant ?? null,
    tool: at.tool ?? '-',
    decision: 'deny',
    reason: failure.reason.slice(0, 500),
    outcome: failure.status === 503 ? 'error' : 'denied',
    errorCode: failure.error,
    data: { status: failure.status },
    ...(at.principal ? oauthIdentity(at.principal) : (failure.identity ?? {})),
  });
}

/**
 * Audits a request refused at the edge. Each refusal is one event, except two the failed-auth
 * throttle does not count. "The IdP cannot be reached" (503): the token may be fine, and Claude.ai
 * connects from a few shared addresses, so while the IdP is down every request would add one, and
 * a forged token naming an unknown key gets that answer too (review, 2026-12-07); at most once a
 * minute per surface and address. A step-up (403 insufficient_scope): at most once a minute per
 * holder and tool. The next event counts those left out.
 */
export async function auditEdgeRefusal(
  audit: AuditLog,
  failure: AuthFailure,
  at: EdgeRefusalAt,
  now = Date.now(),
): Promise<void> {
  let reason = failure.reason;
  // A step-up refusal's token checked out, so the failed-auth throttle does not count it either,
  // and a holder lacking a scope added one event a request (review): once a minute per holder
  // and tool, as for the other refusals of a known holder (auditRepeatedRefusal).
  const p = at.principal;
  const key =
    failure.status === 503
      ? `unreachable ${at.surface} ${at.address}`
      : failure.error === 'insufficient_scope' && p
        ? JSON.stringify(['insufficient_scope', at.tool ?? '-', p.tenant, p.issuer ?? null, p.actorId])
        : null;
  if (key !== null) {
    const leftOut = once(audit, key, now);
    if (leftOut === null) return;
    if (leftOut > 0) reason = `${reason} (and ${leftOut} more times since the last such event)`;
  }
  // Refused either way; a failed append is reported by the store (gateway/runtime.ts).
  await audit.append(authDeniedEvent({ ...failure, reason }, at)).catch(() => undefined);
}

/**
 * Audits a good credential used where its kind is refused (separation of duties): an approver
 * credential on /mcp, a model-client credential on /api. Both were answered 403 with no event, so
 * an approver token handed to a model left no trace (an outside differential probe).
 */
export async function auditWrongCredential(
  audit: AuditLog,
  who: Authenticated,
  at: { surface: Surface; requestId: string | null; address: string },
  now = Date.now(),
): Promise<void> {
  const reason = who.canApprove
    ? 'an approver credential was used on /mcp, which serves model clients only'
    : 'a model-client credential was used on the approvals API, which serves approvers only';
  const failure = { ok: false, status: 403, error: 'forbidden', description: reason, challenge: null, reason } as const;
  await auditRepeatedRefusal(audit, `wrong kind ${at.surface}`, failure, { ...at, who }, now);
}

/**
 * Audits the refusal (of kind `kind`) of a credential that checked out (its holder is known: a
 * wrong kind, a missing approve scope) at most once a minute per kind and holder, the next event
 * counting those left out: the failed-auth throttle slows only credentials that do not check
 * out, and a holder could otherwise grow the log by one event a request (found in review, twice).
 * The holder is its tenant, issuer and actor id: actor ids alone are not unique across tenants,
 * and one tenant's refusals were dropped or counted in another's event (outside probe). The
 * memory is per audit log (per server) and bounded.
 */
export async function auditRepeatedRefusal(
  audit: AuditLog,
  kind: string,
  failure: AuthFailure,
  at: { surface: Surface; requestId: string | null; address: string; who: Authenticated },
  now = Date.now(),
): Promise<void> {
  const { tenant, issuer, actorId } = at.who.principal;
  const leftOut = once(audit, JSON.stringify([kind, tenant, issuer ?? null, actorId]), now);
  if (leftOut === null) return;
  const reason = leftOut ? `${failure.reason} (and ${leftOut} more times since the last such event)` : failure.reason;
  const event = authDeniedEvent({ ...failure, reason }, { ...at, principal: at.who.principal });
  await audit.append({ ...event, client: at.who.client }).catch(() => undefined);
}

/**
 * Whether a refusal under `key` is audited now: null when one was within the minute (counted as
 * left out), else how many were left out since the last. Per audit log (per server), bounded.
 */
function once(audit: AuditLog, key: string, now: number): number | null {
  let seen = lastRefusal.get(audit);
  if (!seen) lastRefusal.set(audit, (seen = new Map()));
  const last = seen.get(key);
  if (last && now - last.at < REPEATED_REFUSAL_EVERY_MS) {
    last.leftOut++;
    return null;
  }
  seen.delete(key); // re-inserted at the end: the oldest entry is the one dropped
  if (seen.size >= 10_000) seen.delete(seen.keys().next().value as string);
  seen.set(key, { at: now, leftOut: 0 });
  return last?.leftOut ?? 0;
}

const REPEATED_REFUSAL_EVERY_MS = 60_000;
const lastRefusal = new WeakMap<AuditLog, Map<string, { at: number; leftOut: number }>>();
