import type { IdempotencyClaim, IdempotencyStore } from '../types.js';
import type { Db, Run } from './connection.js';

/**
 * Idempotency keys: the first claim wins (a primary key does the arbitration), later claims see
 * the stored outcome. Claims are durable (audit connection) because they guard real side effects.
 */
export class SqliteIdempotency implements IdempotencyStore {
  constructor(
    private readonly db: Db,
    /** run() from connection.ts, with the same-file check (same-file.ts). */
    private readonly run: Run,
  ) {}

  claim(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    return this.run('idempotency claim', () => {
      const now = new Date().toISOString();
      const inserted = this.db
        .prepare(
          "INSERT INTO idempotency_keys (key, fingerprint, state, result, created_at, updated_at) VALUES (?, ?, 'in_progress', NULL, ?, ?) ON CONFLICT (key) DO NOTHING",
        )
        .run(key, fingerprint, now, now);
      if (inserted.changes === 1) return { state: 'claimed' } as const;
      const row = this.db
        .prepare('SELECT fingerprint, state, result, updated_at FROM idempotency_keys WHERE key = ?')
        .get(key) as { fingerprint: string; state: string; result: string | null; updated_at: string } | undefined;
      if (!row) return { state: 'claimed' } as const;
      if (row.fingerprint !== fingerprint) return { state: 'fingerprint_mismatch' } as const;
      if (row.state === 'completed') return { state: 'completed', result: row.result ?? '' } as const;
      return { state: 'in_progress', since: row.updated_at } as const;
    });
  }

  complete(key: string, result: string): Promise<void> {
    return this.run('idempotency complete', () => {
      this.db
        .prepare("UPDATE idempotency_keys SET state = 'completed', result = ?, updated_at = ? WHERE key = ?")
        .run(result, new Date().toISOString(), key);
    });
  }

  takeOver(key: string, since: string): Promise<boolean> {
    return this.run('idempotency take over', () => {
      const moved = this.db
        .prepare(
          "UPDATE idempotency_keys SET updated_at = ? WHERE key = ? AND state = 'in_progress' AND updated_at = ?",
        )
        .run(new Date().toISOString(), key, since);
      return moved.changes === 1;
    });
  }

  release(key: string): Promise<void> {
    return this.run('idempotency release', () => {
      this.db.prepare("DELETE FROM idempotency_keys WHERE key = ? AND state = 'in_progress'").run(key);
    });
  }
}
