import type { SessionRecord, SessionStore } from '../types.js';
import type { Db, Run } from './connection.js';

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
 * Console sessions on the durable connection: a sign-out must survive a crash, or a cookie the
 * user believes dead would work again. Lookups filter on kind and expiry in SQL, so an expired or
 * wrong-kind row is never returned even before the sweep removes it.
 */
export class SqliteSessions implements SessionStore {
  constructor(
    private readonly db: Db,
    /** run() from connection.ts, with the same-file check (same-file.ts). */
    private readonly run: Run,
  ) {}

  create(r: SessionRecord): Promise<void> {
    return this.run('session create', () => {
      this.db
        .prepare('INSERT INTO console_sessions (id_hash, kind, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
        .run(r.idHash, r.kind, r.data, r.createdAt, r.expiresAt);
    });
  }

  get(idHash: string, kind: SessionRecord['kind'], nowIso: string): Promise<SessionRecord | null> {
    return this.run('session get', () => {
      const row = this.db
        .prepare('SELECT * FROM console_sessions WHERE id_hash = ? AND kind = ? AND expires_at > ?')
        .get(idHash, kind, nowIso) as SessionRow | undefined;
      return row ? fromRow(row) : null;
    });
  }

  take(idHash: string, kind: SessionRecord['kind'], nowIso: string): Promise<SessionRecord | null> {
    return this.run('session take', () => {
      // One statement: of two concurrent callbacks carrying the same login state, one gets the row.
      const row = this.db
        .prepare('DELETE FROM console_sessions WHERE id_hash = ? AND kind = ? RETURNING *')
        .get(idHash, kind) as SessionRow | undefined;
      return row && row.expires_at > nowIso ? fromRow(row) : null;
    });
  }

  delete(idHash: string): Promise<boolean> {
    return this.run('session delete', () => {
      return this.db.prepare('DELETE FROM console_sessions WHERE id_hash = ?').run(idHash).changes > 0;
    });
  }

  deleteExpired(nowIso: string): Promise<number> {
    return this.run('session sweep', () => {
      return this.db.prepare('DELETE FROM console_sessions WHERE expires_at <= ?').run(nowIso).changes;
    });
  }
}
