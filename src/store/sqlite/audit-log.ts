import type Database from 'better-sqlite3';
import type { AuditEvent, AuditEventInput, AuditFilter, VerifyReport } from '../../audit/event.js';
import { GENESIS_HASH, sealEvent, verifyChain } from '../../audit/chain.js';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import { filterSql, fromRow, toRow, type AuditRow } from '../audit-rows.js';
import type { AuditWriter, ChainHead, WriteReply } from './audit-writer.js';
import type { AuditLog } from '../types.js';
import { mapSqliteError, run, type Db } from './connection.js';

interface Pending {
  readonly event: AuditEventInput;
  readonly resolve: (event: AuditEvent) => void;
  readonly reject: (error: Error) => void;
}

/** A batch sealed and handed to the writer, waiting for its COMMIT. */
interface Flight {
  readonly batch: Pending[];
  readonly sealed: AuditEvent[];
  readonly reply: Promise<WriteReply>;
}

/**
 * Batches the writer may hold at once: one committing while the next waits in its inbox, so the
 * writer goes from one fsync straight to the next instead of waiting for the main thread to hear
 * back, seal and send (issue #15: that round trip left the event loop idle a quarter of the time).
 */
const MAX_IN_FLIGHT = 2;

/**
 * The SQLite audit log with group commit: appends made in one turn of the event loop go in one
 * transaction, and each caller's promise resolves only after its COMMIT (synchronous=FULL), so
 * durability costs one fsync per batch, not per call. The COMMIT runs on a writer thread
 * (audit-writer.ts) so its fsync does not stall the event loop. Seq and hashes are assigned here:
 * a batch is sealed on the head the batch before it will leave, so the next batch can be on its
 * way while one commits. If a batch does not land (another process appended first, or the
 * database refused it), every batch behind it was sealed on a head that never came: they are all
 * redone in order, one batch at a time, re-sealed on the real head, so the chain order is always
 * the commit order.
 */
export class SqliteAuditLog implements AuditLog {
  private queue: Pending[] = [];
  private readonly flights: Flight[] = [];
  private scheduled = false;
  private recovering = false;
  private closed = false;
  /** The head the last batch sent will leave; null until read (or after a failure). */
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
      this.schedule();
    });
  }

  /** Resolves once everything queued so far is committed (or failed); close() waits on it. */
  async flush(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.writer.close();
  }

  private isIdle(): boolean {
    return !this.scheduled && !this.recovering && this.queue.length === 0 && this.flights.length === 0;
  }

  /** Sends what is queued at the end of this turn, so the calls of this turn share a batch. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.launch();
    });
  }

  private launch(): void {
    while (!this.recovering && this.queue.length > 0 && this.flights.length < MAX_IN_FLIGHT) {
      const batch = this.queue;
      this.queue = [];
      let flight: Flight;
      try {
        flight = this.send(batch);
      } catch (error) {
        for (const pending of batch) pending.reject(error as Error);
        continue;
      }
      this.flights.push(flight);
      void flight.reply.then((reply) => this.land(flight, reply));
    }
    this.settleIdle();
  }

  /** Seals a batch on the head the batch before it will leave and hands it to the writer. */
  private send(batch: Pending[]): Flight {
    if (!this.db.open) throw mapSqliteError('audit append', new Error('database is closed'));
    const start = this.head ?? this.readHead() ?? { seq: 0, hash: GENESIS_HASH };
    const sealed = this.seal(
      batch.map((p) => p.event),
      start,
    );
    const last = sealed[sealed.length - 1] as AuditEvent;
    this.head = { seq: last.seq, hash: last.hash };
    return { batch, sealed, reply: this.writer.write(sealed.map(toRow), start) };
  }

  private seal(events: readonly AuditEventInput[], start: ChainHead): AuditEvent[] {
    const sealed: AuditEvent[] = [];
    let { seq, hash } = start;
    for (const event of events) {
      const next = sealEvent(event, seq + 1, hash, this.key);
      sealed.push(next);
      ({ seq, hash } = next);
    }
    return sealed;
  }

  /** Replies come in the order batches were sent (the writer is one thread, its inbox FIFO). */
  private land(flight: Flight, reply: WriteReply): void {
    if (this.recovering) return; // a batch ahead of this one failed; recover() has it
    this.flights.shift();
    if ('ok' in reply) {
      flight.batch.forEach((pending, i) => pending.resolve(flight.sealed[i] as AuditEvent));
      this.launch();
      return;
    }
    void this.recover(flight, reply);
  }

  /**
   * A batch did not land. The batches behind it were sealed on its head, which never came: wait
   * for the writer to turn them down too, then redo every one of them in order, alone.
   */
  private async recover(failed: Flight, reply: WriteReply): Promise<void> {
    this.recovering = true;
    const behind = this.flights.splice(0);
    await Promise.all(behind.map((flight) => flight.reply));
    this.head = 'conflict' in reply ? reply.conflict : null;
    for (const flight of [failed, ...behind]) await this.redo(flight.batch);
    this.recovering = false;
    this.launch();
  }

  private async redo(batch: readonly Pending[]): Promise<void> {
    try {
      const sealed = await this.commit(batch.map((p) => p.event));
      batch.forEach((p, i) => p.resolve(sealed[i] as AuditEvent));
    } catch (error) {
      if (batch.length === 1) return batch[0]?.reject(error as Error);
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

  /** Seals events on the current head and commits them in one transaction, waiting; all or nothing. */
  private async commit(events: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    for (let attempt = 0; attempt < 8; attempt++) {
      if (!this.db.open) throw mapSqliteError('audit append', new Error('database is closed'));
      const start = this.head ?? this.readHead() ?? { seq: 0, hash: GENESIS_HASH };
      const sealed = this.seal(events, start);
      const reply = await this.writer.write(sealed.map(toRow), start);
      if ('ok' in reply) {
        const last = sealed[sealed.length - 1] as AuditEvent;
        this.head = { seq: last.seq, hash: last.hash };
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

  private settleIdle(): void {
    if (this.isIdle()) for (const resolve of this.idle.splice(0)) resolve();
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
