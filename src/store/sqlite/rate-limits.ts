import type Database from 'better-sqlite3';
import { takeToken } from '../token-bucket.js';
import type { RateDecision, RateLimitStore, RateRule } from '../types.js';
import { LOCK_WAIT_MS, runWhenUnlocked, type Db } from './connection.js';

/**
 * Token buckets in SQLite, on their own synchronous=NORMAL connection: a bucket lost in a power
 * cut only refills early, so it does not need the audit log's fsync per commit. The connection
 * never sleeps on the write lock (runWhenUnlocked): the event loop keeps serving while the audit
 * writer commits. The statements and the transaction are prepared once.
 */
export class SqliteRateLimits implements RateLimitStore {
  private taker?: Database.Transaction<(key: string, rule: RateRule, nowMs: number, want: number) => RateDecision>;

  constructor(
    private readonly db: Db,
    private readonly lockWaitMs = LOCK_WAIT_MS,
  ) {}

  take(key: string, rule: RateRule, nowMs: number, want = 1): Promise<RateDecision> {
    return runWhenUnlocked('rate limit', () => this.prepared().immediate(key, rule, nowMs, want), this.lockWaitMs);
  }

  private prepared() {
    if (this.taker) return this.taker;
    const read = this.db.prepare('SELECT tokens, updated_ms FROM rate_buckets WHERE key = ?');
    const write = this.db.prepare(
      'INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES (?, ?, ?) ON CONFLICT ' +
        '(key) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms',
    );
    this.taker = this.db.transaction((key: string, rule: RateRule, nowMs: number, want: number) => {
      const row = read.get(key) as { tokens: number; updated_ms: number } | undefined;
      const decision = takeToken(row, rule, nowMs, want);
      write.run(key, decision.tokens, nowMs);
      return decision.result;
    });
    return this.taker;
  }
}
