import type { IdempotencyClaim, IdempotencyStore } from '../types.js';
import { q, type Pool } from './connection.js';

/** Idempotency keys: the primary key arbitrates the first claim across all instances. */
export class PgIdempotency implements IdempotencyStore {
  constructor(private readonly pool: Pool) {}

  async claim(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const now = new Date().toISOString();
    const inserted = await q(
      this.pool,
      'idempotency claim',
      "INSERT INTO idempotency_keys (key, fingerprint, state, result, created_at, updated_at) VALUES ($1, $2, 'in_progress', NULL, $3, $3) ON CONFLICT (key) DO NOTHING",
      [key, fingerprint, now],
    );
    if (inserted.rowCount === 1) return { state: 'claimed' };
    const row = (
      await q<{ fingerprint: string; state: string; result: string | null; updated_at: string }>(
        this.pool,
        'idempotency claim',
        'SELECT fingerprint, state, result, updated_at FROM idempotency_keys WHERE key = $1',
        [key],
      )
    ).rows[0];
    if (!row) return { state: 'claimed' };
    if (row.fingerprint !== fingerprint) return { state: 'fingerprint_mismatch' };
    if (row.state === 'completed') return { state: 'completed', result: row.result ?? '' };
    return { state: 'in_progress', since: row.updated_at };
  }

  async complete(key: string, result: string): Promise<void> {
    await q(
      this.pool,
      'idempotency complete',
      "UPDATE idempotency_keys SET state = 'completed', result = $2, updated_at = $3 WHERE key = $1",
      [key, result, new Date().toISOString()],
    );
  }

  async takeOver(key: string, since: string): Promise<boolean> {
    const moved = await q(
      this.pool,
      'idempotency take over',
      "UPDATE idempotency_keys SET updated_at = $3 WHERE key = $1 AND state = 'in_progress' AND updated_at = $2",
      [key, since, new Date().toISOString()],
    );
    return moved.rowCount === 1;
  }

  async release(key: string): Promise<void> {
    await q(this.pool, 'idempotency release', "DELETE FROM idempotency_keys WHERE key = $1 AND state = 'in_progress'", [
      key,
    ]);
  }
}
