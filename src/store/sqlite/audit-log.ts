import type Database from 'better-sqlite3';
import type { AuditEvent, AuditEventInput, AuditFilter, VerifyReport } from '../../audit/event.js';
import { GENESIS_HASH, sealEvent, verifyChain } from '../../audit/chain.js';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import { filterSql, fromRow, toRow, type AuditRow } from '../audit-rows.js';
import type { AuditWriter, ChainHead } from './audit-writer.js';
import type { AuditLog } from '../types.js';
import { mapSqliteError, run, type Db } from './connection.js';

interface Pending {
  readonly event: AuditEventInput;
  readonly resolve: (event: AuditEvent) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The SQLite audit log with group commit: appends queue while a batch is being committed and go
 * together in the next one; each caller's promise resolves only after its COMMIT (synchronous=FULL),
 * so durability costs one fsync per batch, not per call. The COMMIT runs on a writer thread
 * (audit-writer.ts) so its fsync does not stall the event loop. Seq and hashes are assigned here,
 * against the head the last commit left, and re-sealed if another process appended first, so the
 * chain order is the commit order.
 */
export class SqliteAuditLog implements AuditLog {
  private queue: Pending[] = [];
  private committing = false;
  private closed = false;
  /** The chain head after our last commit; null until read (or after a failure). */
  private head: ChainHead | null = null;
  private idle: (() => void)[] = [];
  private statements?: { readonly head: Database.Statement };

  constructor(
    private readonly db: Db,
    private readonly key: Buffer | undefined,
    private readonly writer: AuditWriter,
  ) {}

  append(event: AuditEventInput): Promise<AuditEvent> {
    if (this.closed || !this.db.open)
      return Promise.reject(new StoreUnavailableError('audit append: database is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.committing) {
        this.committing = true;
        setImmediate(() => void this.drain()); // let the calls of this turn join the batch
      }
    });
  }

  /** Resolves once everything queued so far is committed (or failed); close() waits on it. */
  async flush(): Promise<void> {
    if (!this.committing && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.writer.close();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const sealed = await this.commit(batch.map((p) => p.event));
        batch.forEach((p, i) => p.resolve(sealed[i] as AuditEvent));
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error as Error);
          continue;
        }
        // One bad event must not fail the calls it happened to share a transaction with:
        // retry each on its own, so only the culprit (or all, if the database is down) fails.
        for (const pending of batch) {
          await this.commit([pending.event]).then(
            (sealed) => pending.resolve(sealed[0] as AuditEvent),
            (single: Error) => pending.reject(single),
          );
        }
      }
    }
    this.committing = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Seals events on the current head and commits them in one transaction; all or nothing. */
  private async commit(events: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    for (let attempt = 0; attempt < 8; attempt++) {
      if (!this.db.open) throw mapSqliteError('audit append', new Error('database is closed'));
      const start = this.head ?? this.readHead() ?? { seq: 0, hash: GENESIS_HASH };
      const sealed: AuditEvent[] = [];
      let { seq, hash } = start;
      for (const event of events) {
        const next = sealEvent(event, seq + 1, hash, this.key);
        sealed.push(next);
        ({ seq, hash } = next);
      }
      const reply = await this.writer.write(sealed.map(toRow), start);
      if ('ok' in reply) {
        this.head = { seq, hash };
        return sealed;
      }
      if ('conflict' in reply) {
        // Another process (the CLI approving a draft, a second gateway) appended: re-seal after it.
        this.head = reply.conflict;
        continue;
      }
      this.head = null;
      throw mapSqliteError('audit append', Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    }
    throw new StoreUnavailableError('audit append: the chain head kept moving under contention');
  }

  private readHead(): ChainHead | null {
    this.statements ??= { head: this.db.prepare('SELECT seq, hash FROM audit_head WHERE one = 1') };
    return (this.statements.head.get() as ChainHead | undefined) ?? null;
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
