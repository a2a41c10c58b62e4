import type { RateDecision, RateRule } from './types.js';

/** The bucket arithmetic, shared with the PostgreSQL store. A new bucket starts full. */
export function takeToken(
  row: { tokens: number; updated_ms: number } | undefined,
  rule: RateRule,
  nowMs: number,
): { tokens: number; result: RateDecision } {
  const elapsed = row ? Math.max(0, nowMs - Number(row.updated_ms)) / 1000 : 0;
  const available = row ? Math.min(rule.capacity, Number(row.tokens) + elapsed * rule.refillPerSecond) : rule.capacity;
  if (available >= 1) {
    return { tokens: available - 1, result: { allowed: true, retryAfterMs: 0, remaining: Math.floor(available - 1) } };
  }
  const retryAfterMs = Math.ceil(((1 - available) / rule.refillPerSecond) * 1000);
  return { tokens: available, result: { allowed: false, retryAfterMs, remaining: 0 } };
}
