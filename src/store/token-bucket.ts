import type { RateDecision, RateRule } from './types.js';

/**
 * The bucket arithmetic. A new bucket starts full. Takes up to `want` whole tokens (a lease,
 * issue #15) and at least one when any is there; `granted` says how many. SQLite runs it here;
 * PostgreSQL runs the same steps in SQL (`toolgate_take_tokens`, its migration 5), which a
 * property test in test/store/postgres.test.ts holds to this function: change both together.
 */
export function takeToken(
  row: { tokens: number; updated_ms: number } | undefined,
  rule: RateRule,
  nowMs: number,
  want = 1,
): { tokens: number; updatedMs: number; result: RateDecision } {
  // The bucket's clock never goes back. A take's time is read when its call arrives, and it may
  // run after another process wrote a later one; writing the earlier time back let the next take
  // count that refill a second time (outside probe: +4-5% over an exact bucket, three processes
  // on one SQLite file). PostgreSQL's function keeps GREATEST(p_now, b_updated) the same way.
  const updatedMs = row ? Math.max(nowMs, Number(row.updated_ms)) : nowMs;
  const elapsed = row ? Math.max(0, nowMs - Number(row.updated_ms)) / 1000 : 0;
  const available = row ? Math.min(rule.capacity, Number(row.tokens) + elapsed * rule.refillPerSecond) : rule.capacity;
  if (available >= 1) {
    const granted = Math.max(1, Math.min(Math.floor(want), Math.floor(available)));
    const left = available - granted;
    return {
      tokens: left,
      updatedMs,
      result: { allowed: true, retryAfterMs: 0, remaining: Math.floor(left), granted },
    };
  }
  const retryAfterMs = Math.ceil(((1 - available) / rule.refillPerSecond) * 1000);
  return { tokens: available, updatedMs, result: { allowed: false, retryAfterMs, remaining: 0, granted: 0 } };
}
