import { edgeEvent, type AuditEventInput } from '../../audit/event.js';
import type { Store } from '../../store/types.js';
import type { AttemptOutcome, AuthThrottle, Ticket } from './auth-throttle.js';

export type ThrottledSurface = 'mcp_http' | 'api' | 'console';

/**
 * What a finished response says about the credential it carried (framework-free, shared by the
 * Hono middleware and the node:http fast path). Only a credential that was presented and refused
 * counts: a bare 401 (no token) is the first step of every OAuth flow, and Claude.ai connects from
 * a few shared addresses. A console 401 is always a refused sign-in.
 */
export function outcomeOf(
  status: number,
  wwwAuthenticate: string | null | undefined,
  surface: ThrottledSurface,
  presentedCredential: boolean,
): AttemptOutcome {
  if (status === 401 && (surface === 'console' || /error=/.test(wwwAuthenticate ?? ''))) return 'refused';
  if (presentedCredential && status < 400) return 'accepted';
  return 'other';
}

/** Settles an attempt and, when that refusal started a block, writes one audit event for the block. */
export async function settleAttempt(
  throttle: AuthThrottle,
  store: Store,
  ticket: Ticket,
  outcome: AttemptOutcome,
  at: { readonly address: string; readonly surface: ThrottledSurface },
): Promise<void> {
  const blockMs = throttle.settle(ticket, outcome);
  if (blockMs > 0) await auditBlock(store, at.address, at.surface, blockMs);
}

/** One event per block, so the log cannot be grown by guessing. */
export async function auditBlock(
  store: Store,
  address: string,
  surface: ThrottledSurface,
  blockMs: number,
): Promise<void> {
  await store.audit.append(throttledEvent(address, surface, blockMs)).catch(() => undefined);
}

/** The 429 a throttled caller gets, before its credential is looked at. */
export function throttledBody(waitMs: number): { seconds: string; body: { error: string; message: string } } {
  const seconds = String(Math.ceil(waitMs / 1000));
  const message = `Too many failed sign-ins from this address or with this credential; retry after ${seconds} s.`;
  return { seconds, body: { error: 'rate_limited', message } };
}

function throttledEvent(address: string, surface: ThrottledSurface, blockMs: number): AuditEventInput {
  return edgeEvent({
    kind: 'auth.throttled',
    surface,
    client: 'unknown',
    actor: `address:${address}`,
    tenant: null,
    decision: 'deny',
    reason: `repeated authentication failures; blocked for ${Math.ceil(blockMs / 1000)} s`,
    outcome: 'denied',
    errorCode: 'rate_limited',
    data: null,
  });
}
