import type { SessionRecord, SessionStore } from '../types.js';
import { q, type Pool } from './connection.js';

interface SessionRow {
  id_hash: string;
  kind: string;
  data: string;
  created_at: string;
  expires_at: string;
}

const fromRow = (r: SessionRow): SessionRecord => ({
  idHash: r.id_hash,
  kind: r.kind as SessionRecord['kind'],
  data: r.data,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/**
 * Console sessions in the shared database: an approver who signed in through one gateway instance
 * is signed in on every instance behind the load balancer, and a sign-out ends it on all of them.
 */
export class PgSessions implements SessionStore {
  constructor(private readonly pool: Pool) {}

  async create(r: SessionRecord): Promise<void> {
    await q(
      this.pool,
      'session create',
      'INSERT INTO console_sessions (id_hash, kind, data, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [r.idHash, r.kind, r.data, r.createdAt, r.expiresAt],
    );
  }

  async get(idHash: string, kind: SessionRecord['kind'], nowIso: string): Promise<SessionRecord | null> {
    const { rows } = await q<SessionRow>(
      this.pool,
      'session get',
      'SELECT * FROM console_sessions WHERE id_hash = $1 AND kind = $2 AND expires_at > $3',
      [idHash, kind, nowIso],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async take(idHash: string, kind: SessionRecord['kind'], nowIso: string): Promise<SessionRecord | null> {
    // DELETE … RETURNING is one statement: of two instances racing on one login state, one wins.
    const { rows } = await q<SessionRow>(
      this.pool,
      'session take',
      'DELETE FROM console_sessions WHERE id_hash = $1 AND kind = $2 RETURNING *',
      [idHash, kind],
    );
    return rows[0] && rows[0].expires_at > nowIso ? fromRow(rows[0]) : null;
  }

  async delete(idHash: string): Promise<boolean> {
    const { rowCount } = await q(this.pool, 'session delete', 'DELETE FROM console_sessions WHERE id_hash = $1', [
      idHash,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async deleteExpired(nowIso: string): Promise<number> {
    const { rowCount } = await q(this.pool, 'session sweep', 'DELETE FROM console_sessions WHERE expires_at <= $1', [
      nowIso,
    ]);
    return rowCount ?? 0;
  }
}
