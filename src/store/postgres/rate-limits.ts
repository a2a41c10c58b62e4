import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import type { RateDecision, RateLimitStore, RateRule } from '../types.js';
import { q, type Pool } from './connection.js';

/**
 * Token buckets shared by every gateway instance: one row per bucket, locked while it is taken.
 * A take is one statement, `toolgate_take_tokens` (migration 5): the bucket arithmetic of
 * store/token-bucket.ts in SQL, under the row's lock. It was a transaction of five round trips
 * (BEGIN, insert, SELECT … FOR UPDATE, UPDATE, COMMIT) holding the lock for three of them; with
 * the database a millisecond away that was ~5 ms on every call with an exact (small) limit.
 * test/store/postgres.test.ts holds the function to takeToken over random sequences of takes.
 */
export class PgRateLimits implements RateLimitStore {
  constructor(private readonly pool: Pool) {}

  async take(key: string, rule: RateRule, nowMs: number, want = 1): Promise<RateDecision> {
    const { rows } = await q<{ allowed: boolean; retry_after_ms: number; remaining: number; granted: number }>(
      this.pool,
      'rate limit',
      'SELECT allowed, retry_after_ms, remaining, granted FROM toolgate_take_tokens($1, $2, $3, $4, $5)',
      [key, rule.capacity, rule.refillPerSecond, Math.floor(nowMs), want],
    );
    const row = rows[0];
    if (!row) throw new StoreUnavailableError('rate limit: toolgate_take_tokens returned no row');
    return {
      allowed: row.allowed,
      retryAfterMs: Number(row.retry_after_ms),
      remaining: Number(row.remaining),
      granted: Number(row.granted),
    };
  }
}
