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
import type { Db, Run } from './connection.js';

/** Drafts of write actions; every change is a compare-and-set on `version`, so two approvers cannot both win. */
export class SqliteDrafts implements DraftStore {
  constructor(
    private readonly db: Db,
    /** run() from connection.ts, with the same-file check (same-file.ts). */
    private readonly run: Run,
  ) {}

  create(d: DraftRecord, queued?: QueuedAudit, cap?: WaitingCap): Promise<DraftCreated> {
    return this.run('draft create', () =>
      this.db
        .transaction((): DraftCreated => {
          // BEGIN IMMEDIATE holds the file's write lock from the count to the insert, so no other
          // connection (instance) can add a waiting draft in between: the cap is exact.
          if (cap) {
            const over = this.overCap(d, cap);
            if (over) return over;
          }
          const values = draftValues(d);
          this.db
            .prepare(`INSERT INTO drafts (${DRAFT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`)
            .run(...values);
          if (queued) this.queue(d.id, queued, d.updatedAt);
          return { created: true };
        })
        .immediate(),
    );
  }

  private overCap(d: DraftRecord, cap: WaitingCap): DraftCreated | null {
    const count = (byRequester: boolean) =>
      this.db
        .prepare(`${WAITING_COUNT('?')} AND tenant = ?${byRequester ? ' AND requester = ?' : ''}`)
        .get(d.createdAt, d.tenant, ...(byRequester ? [d.requester] : [])) as { n: number; next: string | null };
    if (cap.perTenant !== undefined) {
      const tenant = count(false);
      if (tenant.n >= cap.perTenant)
        return { created: false, over: 'tenant', waiting: tenant.n, limit: cap.perTenant, nextExpiry: tenant.next };
    }
    const mine = count(true);
    if (mine.n >= cap.perRequester)
      return { created: false, over: 'requester', waiting: mine.n, limit: cap.perRequester, nextExpiry: mine.next };
    return null;
  }

  get(id: string): Promise<DraftRecord | null> {
    return this.run('draft get', () => {
      const row = this.db.prepare('SELECT * FROM drafts WHERE id = ?').get(id) as DraftRow | undefined;
      return row ? fromRow(row) : null;
    });
  }

  list(filter: DraftFilter): Promise<DraftRecord[]> {
    return this.run('draft list', () => {
      const { sql, params } = draftPage(filter, () => '?');
      return (this.db.prepare(sql).all(...params) as DraftRow[]).map(fromRow);
    });
  }

  update(
    id: string,
    expectedVersion: number,
    patch: { status?: DraftStatus; state?: string },
    nowIso: string,
    queued?: QueuedAudit,
  ): Promise<DraftRecord | null> {
    return this.run('draft update', () =>
      this.db
        .transaction(() => {
          const changed = this.db
            .prepare(
              'UPDATE drafts SET status = COALESCE(?, status), state = COALESCE(?, state), ' +
                'version = version + 1, updated_at = ? WHERE id = ? AND version = ?',
            )
            .run(patch.status ?? null, patch.state ?? null, nowIso, id, expectedVersion);
          if (changed.changes === 0) return null;
          if (queued) this.queue(id, queued, nowIso);
          return fromRow(this.db.prepare('SELECT * FROM drafts WHERE id = ?').get(id) as DraftRow);
        })
        .immediate(),
    );
  }

  dequeueAudit(id: string): Promise<void> {
    return this.run('audit outbox dequeue', () => {
      this.db.prepare('DELETE FROM audit_outbox WHERE id = ?').run(id);
    });
  }

  queuedAudits(beforeIso: string, limit: number): Promise<QueuedAudit[]> {
    return this.run(
      'audit outbox list',
      () =>
        this.db
          .prepare('SELECT id, event FROM audit_outbox WHERE queued_at < ? ORDER BY queued_at, id LIMIT ?')
          .all(beforeIso, limit) as QueuedAudit[],
    );
  }

  private queue(draftId: string, queued: QueuedAudit, atIso: string): void {
    this.db
      .prepare('INSERT INTO audit_outbox (id, draft_id, event, queued_at) VALUES (?, ?, ?, ?)')
      .run(queued.id, draftId, queued.event, atIso);
  }
}
