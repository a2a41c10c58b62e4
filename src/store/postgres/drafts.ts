import { createHash } from 'node:crypto';
import { DRAFT_COLUMNS, draftPage, draftValues, fromRow, WAITING_COUNT, type DraftRow } from '../draft-rows.js';
import type {
  DraftCreated,
  DraftFilter,
  DraftRecord,
  DraftStatus,
  DraftStore,
  QueuedAudit,
  WaitingCap,
} from '../types.js';
import { q, transactionFrom, type Pool } from './connection.js';

/**
 * The advisory lock a capped create holds for `scope` (a tenant, or a tenant and requester), as a
 * bigint literal: 64 bits of SHA-256, so unrelated scopes practically never share one (and if two
 * did, they would only wait for each other). A literal, not a parameter, so the lock can go in
 * the same round trip as BEGIN; it is digits only, never caller text.
 */
export function lockKey(scope: readonly string[]): string {
  const key = createHash('sha256')
    .update(JSON.stringify(['toolgate.drafts.waiting', ...scope]))
    .digest();
  return `'${key.readBigInt64BE(0)}'::bigint`;
}

/** Column types for an INSERT … SELECT of draftValues, which PostgreSQL cannot infer from a SELECT list. */
const DRAFT_CASTS = DRAFT_COLUMNS.split(', ').map((column) => (column === 'version' ? 'int' : 'text'));
/** A draft column's parameter in an INSERT of draftValues(), from the column list (not by hand). */
const param = (column: string) => `$${DRAFT_COLUMNS.split(', ').indexOf(column) + 1}`;
const [TENANT, REQUESTER, CREATED_AT, UPDATED_AT] = [
  param('tenant'),
  param('requester'),
  param('created_at'),
  param('updated_at'),
];

/** Drafts with compare-and-set updates on `version`, so two approvers on two instances cannot both win. */
export class PgDrafts implements DraftStore {
  constructor(private readonly pool: Pool) {}

  async create(d: DraftRecord, queued?: QueuedAudit, cap?: WaitingCap): Promise<DraftCreated> {
    if (cap) return this.createWithinCap(d, queued, cap);
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
    return { created: true };
  }

  /**
   * Count and insert under an advisory lock per tenant and one per requester (one SELECT takes them
   * left to right, every create in the same order, so two creates cannot deadlock; a lock wait
   * past lock_timeout is `unavailable`). The tenant's is taken whether or not this action has a
   * tenant limit: taken only then, an action without one drafted beside one that has it, and the
   * tenant could end one over (review). The lock is taken
   * in its own statement, before the count's: under READ COMMITTED a statement sees what was
   * committed when it started, so a count in the statement that waited for the lock would miss
   * the draft the previous holder just committed. Count and insert are then one statement.
   */
  private createWithinCap(d: DraftRecord, queued: QueuedAudit | undefined, cap: WaitingCap): Promise<DraftCreated> {
    const locks = [lockKey([d.tenant]), lockKey([d.tenant, d.requester])].map((key) => `pg_advisory_xact_lock(${key})`);
    const values = draftValues(d);
    const n = values.length;
    const [mineLimit, tenantLimit, queuedId, queuedEvent] = [n + 1, n + 2, n + 3, n + 4];
    // Expiry is judged at the new draft's created_at.
    const sql =
      `WITH mine AS (${WAITING_COUNT(CREATED_AT)} AND tenant = ${TENANT} AND requester = ${REQUESTER}), ` +
      `tenant_wide AS (${WAITING_COUNT(CREATED_AT)} AND tenant = ${TENANT} AND $${tenantLimit}::int IS NOT NULL), ` +
      `created AS (INSERT INTO drafts (${DRAFT_COLUMNS}) ` +
      `SELECT ${values.map((_, i) => `$${i + 1}::${DRAFT_CASTS[i]}`).join(', ')} ` +
      `WHERE (SELECT n FROM mine) < $${mineLimit}::int ` +
      `AND ($${tenantLimit}::int IS NULL OR (SELECT n FROM tenant_wide) < $${tenantLimit}::int) RETURNING id), ` +
      'queued AS (INSERT INTO audit_outbox (id, draft_id, event, queued_at) ' +
      `SELECT $${queuedId}, id, $${queuedEvent}, ${UPDATED_AT} FROM created WHERE $${queuedId}::text IS NOT NULL) ` +
      'SELECT (SELECT count(*) FROM created)::int AS created, mine.n::int AS mine, mine.next AS mine_next, ' +
      'tenant_wide.n::int AS tenant, tenant_wide.next AS tenant_next FROM mine, tenant_wide';
    // int4 parameters: no limit is as good as the largest one.
    const int = (limit: number) => Math.min(limit, 2_147_483_647);
    const params = [
      ...values,
      int(cap.perRequester),
      cap.perTenant === undefined ? null : int(cap.perTenant),
      queued?.id ?? null,
      queued?.event ?? null,
    ];
    return transactionFrom(this.pool, 'draft create', `SELECT ${locks.join(', ')}`, async (client) => {
      const row = (await client.query<CapRow>(sql, params)).rows[0]!;
      if (row.created === 1) return { created: true };
      if (cap.perTenant !== undefined && row.tenant >= cap.perTenant)
        return {
          created: false,
          over: 'tenant',
          waiting: row.tenant,
          limit: cap.perTenant,
          nextExpiry: row.tenant_next,
        };
      return {
        created: false,
        over: 'requester',
        waiting: row.mine,
        limit: cap.perRequester,
        nextExpiry: row.mine_next,
      };
    });
  }

  async get(id: string): Promise<DraftRecord | null> {
    const row = (await q<DraftRow>(this.pool, 'draft get', 'SELECT * FROM drafts WHERE id = $1', [id])).rows[0];
    return row ? fromRow(row) : null;
  }

  async list(filter: DraftFilter): Promise<DraftRecord[]> {
    const { sql, params } = draftPage(filter, (n) => `$${n}`);
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

interface CapRow {
  created: number;
  mine: number;
  mine_next: string | null;
  tenant: number;
  tenant_next: string | null;
}
