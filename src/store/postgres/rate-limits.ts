import { takeToken } from '../token-bucket.js';
import type { RateDecision, RateLimitStore, RateRule } from '../types.js';
import { transaction, type Pool } from './connection.js';

/** Token buckets shared by every gateway instance: one row per bucket, locked while it is taken. */
export class PgRateLimits implements RateLimitStore {
  constructor(private readonly pool: Pool) {}

  take(key: string, rule: RateRule, nowMs: number, want = 1): Promise<RateDecision> {
    return transaction(this.pool, 'rate limit', async (client) => {
      await client.query(
        'INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING',
        [key, rule.capacity, nowMs],
      );
      const row = (
        await client.query<{ tokens: number; updated_ms: string }>(
          'SELECT tokens, updated_ms FROM rate_buckets WHERE key = $1 FOR UPDATE',
          [key],
        )
      ).rows[0];
      const decision = takeToken(
        row ? { tokens: Number(row.tokens), updated_ms: Number(row.updated_ms) } : undefined,
        rule,
        nowMs,
        want,
      );
      await client.query('UPDATE rate_buckets SET tokens = $2, updated_ms = $3 WHERE key = $1', [
        key,
        decision.tokens,
        Math.max(nowMs, Number(row?.updated_ms ?? 0)),
      ]);
      return decision.result;
    });
  }
}
