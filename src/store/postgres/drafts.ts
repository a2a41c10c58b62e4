import { DRAFT_COLUMNS, draftValues, fromRow, type DraftRow } from '../draft-rows.js';
import type { DraftFilter, DraftRecord, DraftStatus, DraftStore, QueuedAudit } from '../types.js';
import { q, type Pool } from './connection.js';

/** Drafts with compare-and-set updates on `version`, so two approvers on two instances cannot both win. */
export class PgDrafts implements DraftStore {
  constructor(private readonly pool: Pool) {}

  async create(d: DraftRecord, queued?: QueuedAudit): Promise<void> {
    // One statement, so one transaction: the draft and its queued event land together or not at all.
    const values = draftValues(d);
    const placeholders = values.map((_, n) => `$${n + 1}`).join(', ');
    const [queuedId, queuedEvent, queuedAt] = [values.length + 1, values.length + 2, values.length + 3];
    await q(
      this.pool,
      'draft create',
      `WITH created AS (INSERT INTO drafts (${DRAFT_COLUMNS}) VALUES (${placeholders}) RETURNING id) ` +
        'INSERT INTO audit_outbox (id, draft_id, event, queued_at) ' +
        `SELECT $${queuedId}, id, $${queuedEvent}, $${queuedAt} FROM created WHERE $${queuedId}::text IS NOT NULL`,
      [...values, queued?.id ?? null, queued?.event ?? null, d.updatedAt],
    );
  }

  async get(id: string): Promise<DraftRecord | null> {
    const row = (await q<DraftRow>(this.pool, 'draft get', 'SELECT * FROM drafts WHERE id = $1', [id])).rows[0];
    return row ? fromRow(row) : null;
  }

  async list(filter: DraftFilter): Promise<DraftRecord[]> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.status) clauses.push(`status = $${params.push(filter.status)}`);
    if (filter.tenant) clauses.push(`tenant = $${params.push(filter.tenant)}`);
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 1_000));
    const sql = `SELECT * FROM drafts ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT ${limit}`;
    return (await q<DraftRow>(this.pool, 'draft list', sql, params)).rows.map(fromRow);
  }

  async update(
    id: string,
    expectedVersion: number,
    patch: { status?: DraftStatus; state?: string },
    nowIso: string,
    queued?: QueuedAudit,
  ): Promise<DraftRecord | null> {
    // One statement: the event is queued only if the compare-and-set moved the draft.
    const { rows } = await q<DraftRow>(
      this.pool,
      'draft update',
      'WITH moved AS (UPDATE drafts SET status = COALESCE($1, status), state = COALESCE($2, state), ' +
        'version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5 RETURNING *), ' +
        'queued AS (INSERT INTO audit_outbox (id, draft_id, event, queued_at) ' +
        'SELECT $6, id, $7, $3 FROM moved WHERE $6::text IS NOT NULL) ' +
        'SELECT * FROM moved',
      [
        patch.status ?? null,
        patch.state ?? null,
        nowIso,
        id,
        expectedVersion,
        queued?.id ?? null,
        queued?.event ?? null,
      ],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async dequeueAudit(id: string): Promise<void> {
    await q(this.pool, 'audit outbox dequeue', 'DELETE FROM audit_outbox WHERE id = $1', [id]);
  }

  async queuedAudits(beforeIso: string, limit: number): Promise<QueuedAudit[]> {
    const sql = 'SELECT id, event FROM audit_outbox WHERE queued_at < $1 ORDER BY queued_at, id LIMIT $2';
    return (await q<QueuedAudit>(this.pool, 'audit outbox list', sql, [beforeIso, limit])).rows;
  }
}
