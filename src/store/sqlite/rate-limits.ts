import { takeToken } from '../token-bucket.js';
import type { RateDecision, RateLimitStore, RateRule } from '../types.js';
import { run, type Db } from './connection.js';

/**
 * Token buckets in SQLite, on their own synchronous=NORMAL connection: a bucket lost in a power
 * cut only refills early, so it does not need the audit log's fsync per commit.
 */
export class SqliteRateLimits implements RateLimitStore {
  constructor(private readonly db: Db) {}

  take(key: string, rule: RateRule, nowMs: number): Promise<RateDecision> {
    return run('rate limit', () =>
      this.db
        .transaction(() => {
          const row = this.db.prepare('SELECT tokens, updated_ms FROM rate_buckets WHERE key = ?').get(key) as
            { tokens: number; updated_ms: number } | undefined;
          const decision = takeToken(row, rule, nowMs);
          this.db
            .prepare(
              'INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES (?, ?, ?) ON CONFLICT ' +
                '(key) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms',
            )
            .run(key, decision.tokens, nowMs);
          return decision.result;
        })
        .immediate(),
    );
  }
}
