import { ToolgateError } from '../../errors/toolgate-error.js';
import { deny, toolOf, type CallState } from '../state.js';

/** A token bucket per principal and tool, kept in the store so every gateway instance shares it. */
export async function rateLimit(state: CallState): Promise<void> {
  const tool = toolOf(state);
  const { rate } = state.runtime.limitsOf(tool);
  const { principal } = state.request;
  // JSON keeps the parts unambiguous whatever characters ids contain (and has no NUL, which PostgreSQL text refuses).
  const key = JSON.stringify([principal.tenant, principal.actorId, tool.name]);
  const decision = await state.runtime.store.rateLimits.take(
    key,
    { capacity: rate.burst, refillPerSecond: rate.perMinute / 60 },
    state.runtime.now(),
  );
  if (!decision.allowed) {
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw deny(
      state,
      `rate limit ${rate.perMinute}/min exceeded`,
      new ToolgateError('rate_limited', `Too many calls to ${tool.name}; retry after ${seconds} s.`, {
        retryAfterMs: decision.retryAfterMs,
      }),
    );
  }
}
