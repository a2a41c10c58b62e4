import type Database from 'better-sqlite3';
import { takeToken } from '../token-bucket.js';
import type { RateDecision, RateLimitStore, RateRule } from '../types.js';
import { LOCK_WAIT_MS, runWhenUnlocked, type Db } from './connection.js';

interface Take {
  readonly key: string;
  readonly rule: RateRule;
  readonly nowMs: number;
  readonly want: number;
}

interface Waiting extends Take {
  readonly resolve: (decision: RateDecision) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Token buckets in SQLite, in a file of their own (rate-limit-file.ts) on a synchronous=NORMAL
 * connection: a bucket lost in a power cut only refills early, so it does not need the audit
 * log's fsync per commit. Takes are grouped per turn of the event loop: the first take of a turn
 * opens a batch that runs once the turn's I/O callbacks are done (setImmediate), and every take
 * arriving meanwhile joins it, so a burst of calls costs one transaction, not one each. Small
 * buckets are exact (one take per call, issue #15): the batch applies them in arrival order, each
 * on what the one before left. The connection never sleeps on the write lock (runWhenUnlocked):
 * while another process holds it the event loop keeps serving and the batch stays open to newer
 * takes. The statements and the transaction are prepared once.
 */
export class SqliteRateLimits implements RateLimitStore {
  private taker?: Database.Transaction<(takes: readonly Take[]) => RateDecision[]>;
  /** Takes waiting together for the end of the turn or the write lock, in arrival order. */
  private waiting: Waiting[] | null = null;

  constructor(
    private readonly db: Db,
    private readonly lockWaitMs = LOCK_WAIT_MS,
  ) {}

  take(key: string, rule: RateRule, nowMs: number, want = 1): Promise<RateDecision> {
    const take = { key, rule, nowMs, want };
    // Behind takes already waiting, never ahead of them.
    if (this.waiting) return this.join(this.waiting, take);
    const batch: Waiting[] = [];
    this.waiting = batch;
    const mine = this.join(batch, take);
    // Exact small buckets take once per call: at 16 calls in flight, one transaction each was
    // ~40% of the main thread's time (0.12-0.15 against 0.08 ms per call, `burst: 10`).
    afterThisTurn()
      .then(() =>
        runWhenUnlocked(
          'rate limit',
          () => {
            const decisions = this.prepared().immediate(batch);
            this.waiting = null; // closed with the COMMIT: a take after this starts afresh
            return decisions;
          },
          this.lockWaitMs,
        ),
      )
      .then(
        (decisions) => batch.forEach((waiting, i) => waiting.resolve(decisions[i] as RateDecision)),
        (error: unknown) => {
          if (this.waiting === batch) this.waiting = null;
          for (const waiting of batch) waiting.reject(error);
        },
      );
    return mine;
  }

  private join(batch: Waiting[], take: Take): Promise<RateDecision> {
    return new Promise((resolve, reject) => batch.push({ ...take, resolve, reject }));
  }

  private prepared() {
    if (this.taker) return this.taker;
    const read = this.db.prepare('SELECT tokens, updated_ms FROM rate_buckets WHERE key = ?');
    const write = this.db.prepare(
      'INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES (?, ?, ?) ON CONFLICT ' +
        '(key) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms',
    );
    // In order, each on what the one before left: a key taken twice in a batch sees its first take.
    this.taker = this.db.transaction((takes: readonly Take[]) =>
      takes.map(({ key, rule, nowMs, want }) => {
        const row = read.get(key) as { tokens: number; updated_ms: number } | undefined;
        const decision = takeToken(row, rule, nowMs, want);
        write.run(key, decision.tokens, decision.updatedMs);
        return decision.result;
      }),
    );
    return this.taker;
  }
}

const afterThisTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
