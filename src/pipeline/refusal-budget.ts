import { ToolgateError } from '../errors/toolgate-error.js';
import { deny, type CallState } from './state.js';

/** Calls a caller may never make share one small bucket per caller (issue #13, item 4). */
const REFUSALS = { capacity: 10, refillPerSecond: 10 / 60 };

/**
 * Refuses a call the caller may never make (a tool it was not given, a scope or role it lacks)
 * with `error`, after counting it: each is audited, so past a burst of 10 the caller gets
 * `rate_limited` instead, and a token holder cannot grow the audit log by asking for what it
 * may not have. Missing scopes were not counted before: 200 such calls wrote 200 events at once.
 */
export async function refuseCounted(state: CallState, why: string, error: ToolgateError): Promise<never> {
  const { principal } = state.request;
  const key = JSON.stringify([principal.tenant, principal.actorId, '*refused*']);
  const bucket = await state.runtime.store.rateLimits.take(key, REFUSALS, state.runtime.now());
  if (!bucket.allowed) {
    const seconds = Math.max(1, Math.ceil(bucket.retryAfterMs / 1000));
    const limited = new ToolgateError('rate_limited', `Too many refused calls; retry after ${seconds} s.`, {
      retryAfterMs: bucket.retryAfterMs,
    });
    throw deny(state, `rate limit for refused calls exceeded (${why})`, limited);
  }
  throw deny(state, why, error);
}
