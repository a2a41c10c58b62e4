import type Database from 'better-sqlite3';
import type { AuditEvent, AuditEventInput, AuditFilter, VerifyReport } from '../../audit/event.js';
import { GENESIS_HASH, sealEvent, verifyChain } from '../../audit/chain.js';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import { AUDIT_COLUMNS, filterSql, fromRow, toRow, type AuditRow } from '../audit-rows.js';
import type { AuditLog } from '../types.js';
import { mapSqliteError, run, type Db } from './connection.js';

interface Pending {
  readonly event: AuditEventInput;
  readonly resolve: (event: AuditEvent) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The SQLite audit log with group commit: appends made in the same turn of the event loop are
 * sealed and inserted in one transaction, and each caller's promise resolves only after COMMIT
 * (synchronous=FULL), so durability costs one fsync per batch, not per call. Seq and hashes are
 * assigned at commit time by this single writer, so the chain order is the commit order.
 */
export class SqliteAuditLog implements AuditLog {
  private queue: Pending[] = [];
  private scheduled = false;
  // Prepared once, on first use (issue #15: preparing per call was ~6% of a call's CPU).
  private statements?: {
    readonly insert: Database.Statement;
    readonly head: Database.Statement;
    readonly setHead: Database.Statement;
  };

  constructor(
    private readonly db: Db,
    private readonly key: Buffer | undefined,
  ) {}

  append(event: AuditEventInput): Promise<AuditEvent> {
    if (!this.db.open) return Promise.reject(new StoreUnavailableError('audit append: database is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued; also called by close() so nothing is lost on shutdown. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      const sealed = this.commit(batch.map((p) => p.event));
      batch.forEach((p, i) => p.resolve(sealed[i] as AuditEvent));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(mapSqliteError('audit append', error));
        return;
      }
      // One bad event must not fail the calls it happened to share a transaction with:
      // retry each on its own, so only the culprit (or all, if the database is down) fails.
      for (const pending of batch) {
        try {
          pending.resolve(this.commit([pending.event])[0] as AuditEvent);
        } catch (single) {
          pending.reject(mapSqliteError('audit append', single));
        }
      }
    }
  }

  /** Seals and inserts events in one IMMEDIATE transaction; throws if anything fails (all rolled back). */
  private commit(events: readonly AuditEventInput[]): AuditEvent[] {
    if (!this.db.open) throw new Error('database is closed');
    const { insert, setHead } = this.prepared();
    const sealed: AuditEvent[] = [];
    this.db
      .transaction(() => {
        // Read the head inside the write transaction: another process (the CLI approving a draft,
        // a second gateway on the same file) may have appended since our last batch.
        let { seq, hash } = this.readHead() ?? { seq: 0, hash: GENESIS_HASH };
        for (const event of events) {
          const next = sealEvent(event, seq + 1, hash, this.key);
          insert.run(toRow(next));
          sealed.push(next);
          ({ seq, hash } = next);
        }
        setHead.run(seq, hash);
      })
      .immediate();
    return sealed;
  }

  private readHead(): { seq: number; hash: string } | null {
    return (this.prepared().head.get() as { seq: number; hash: string } | undefined) ?? null;
  }

  private prepared() {
    return (this.statements ??= {
      insert: this.db.prepare(
        `INSERT INTO audit_events (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map((c) => `@${c}`).join(', ')})`,
      ),
      head: this.db.prepare('SELECT seq, hash FROM audit_head WHERE one = 1'),
      setHead: this.db.prepare(
        'INSERT INTO audit_head (one, seq, hash) VALUES (1, ?, ?) ON CONFLICT (one) DO ' +
          'UPDATE SET seq = excluded.seq, hash = excluded.hash',
      ),
    });
  }

  query(filter: AuditFilter): Promise<AuditEvent[]> {
    return run('audit query', () => {
      const { where, params, order, limit } = filterSql(filter, () => '?');
      const rows = this.db
        .prepare(`SELECT * FROM audit_events ${where} ${order} LIMIT ${limit}`)
        .all(...params) as AuditRow[];
      return rows.map(fromRow);
    });
  }

  get(id: string): Promise<AuditEvent | null> {
    return run('audit get', () => {
      const row = this.db.prepare('SELECT * FROM audit_events WHERE id = ?').get(id) as AuditRow | undefined;
      return row ? fromRow(row) : null;
    });
  }

  verify(): Promise<VerifyReport> {
    return run('audit verify', () => {
      const head = this.readHead();
      const rows = this.db.prepare('SELECT * FROM audit_events ORDER BY seq').iterate() as IterableIterator<AuditRow>;
      function* events() {
        for (const row of rows) yield fromRow(row);
      }
      return verifyChain(events(), head, this.key);
    });
  }
}
