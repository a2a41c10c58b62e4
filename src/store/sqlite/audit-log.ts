import { storableEvent, type AuditEvent, type AuditEventInput } from '../../audit/event.js';
import { withSeal } from '../../audit/chain.js';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import { rowValues } from '../audit-rows.js';
import { SqliteAuditReader } from './audit-reader.js';
import { WRITER_STOPPED, type AuditWriter, type SealResult, type UnsealedRow } from './audit-writer.js';
import type { AuditCommit, AuditLog } from '../types.js';
import { mapSqliteError, type Db, type Run } from './connection.js';

interface Pending {
  readonly event: AuditEventInput;
  readonly row: UnsealedRow;
  readonly resolve: (event: AuditEvent) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A busy turn hands its first events to an idle writer once it has this many, instead of at the
 * turn's end. Without it the two threads took turns (this one parsing and running a burst of
 * calls while the writer sat idle, then the writer committing while this one waited for
 * answers), and at 16 connections each was idle a quarter of the time; overlapping them was
 * worth +12–30% req/s (issue #15). One event alone would buy an fsync per call; a few amortise
 * the hand-off. A busy writer merges whatever arrives during its COMMIT anyway, so then the
 * batch waits for the turn's end and stays large.
 */
export const EARLY_BATCH = 4;

/**
 * The SQLite audit log with group commit: appends made in one turn of the event loop go to the
 * writer thread together (or sooner, see EARLY_BATCH), and the writer merges whatever arrives
 * while it commits into its next transaction; each caller's promise resolves only after its
 * COMMIT (synchronous=FULL), so durability costs one fsync per batch, not per call. The writer
 * (audit-writer.ts) also seals, on the head it reads inside its transaction, so the chain order
 * is the commit order even with other processes appending; this thread only builds each event's
 * row.
 */
export class SqliteAuditLog extends SqliteAuditReader implements AuditLog {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(
    db: Db,
    /** Only for verify(): the writer thread seals with its own copy. */
    key: Buffer | undefined,
    private readonly writer: AuditWriter,
    /** run() with the store's same-file check, for the reads (same-file.ts); tests leave it out. */
    run?: Run,
  ) {
    super(db, key, run);
  }

  append(input: AuditEventInput): Promise<AuditEvent> {
    if (this.closed || !this.db.open)
      return Promise.reject(new StoreUnavailableError('audit append: database is closed'));
    const event = storableEvent(input);
    let row: UnsealedRow;
    try {
      row = rowValues(event);
    } catch (error) {
      return Promise.reject(mapSqliteError('audit append', error));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ event, row, resolve, reject });
      if (this.inFlight === 0 && this.queue.length >= EARLY_BATCH) return this.send();
      if (this.scheduled) return;
      this.scheduled = true;
      // Let the calls of this turn join the batch.
      setImmediate(() => {
        this.scheduled = false;
        if (this.queue.length > 0) this.send();
      });
    });
  }

  onCommit(listener: (commit: AuditCommit) => void): () => void {
    return this.writer.onCommit(listener);
  }

  /** Resolves once everything queued so far is committed (or failed); close() waits on it. */
  async flush(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    // Closed first: an append made while the last batch commits is refused at once, not sent
    // to a writer that is about to stop.
    this.closed = true;
    await this.flush();
    await this.writer.close();
  }

  private isIdle(): boolean {
    return !this.scheduled && this.inFlight === 0 && this.queue.length === 0;
  }

  private send(): void {
    const batch = this.queue;
    this.queue = [];
    this.inFlight++;
    const settle = (results: readonly SealResult[]) =>
      batch.forEach((pending, i) => {
        const result = results[i] ?? { error: { message: 'the audit writer gave no answer for this event' } };
        if ('error' in result) {
          const { message, code } = result.error;
          // A writer that died between its COMMIT and its reply leaves events stored but unanswered.
          const stored = code === WRITER_STOPPED ? this.storedSeal(pending.event.id) : null;
          if (stored) pending.resolve(withSeal(pending.event, stored));
          else pending.reject(mapSqliteError('audit append', Object.assign(new Error(message), { code })));
        } else pending.resolve(withSeal(pending.event, result));
      });
    // A batch the writer could not even be handed (postMessage refusing a value it cannot clone)
    // fails its callers; it must neither go unanswered nor leave flush() and close() waiting.
    void this.writer
      .append(batch.map((p) => p.row))
      .then(settle, (error: unknown) => settle(batch.map(() => ({ error: { message: String(error) } }))))
      .finally(() => {
        this.inFlight--;
        if (this.isIdle()) for (const resolve of this.idle.splice(0)) resolve();
      });
  }

  /** Where an event was sealed, if it was committed; null if not (or if that cannot be read now). */
  private storedSeal(id: string): { seq: number; prevHash: string; hash: string } | null {
    try {
      const row = this.db.prepare('SELECT seq, prev_hash, hash FROM audit_events WHERE id = ?').get(id) as
        { seq: number; prev_hash: string; hash: string } | undefined;
      return row ? { seq: row.seq, prevHash: row.prev_hash, hash: row.hash } : null;
    } catch {
      return null; // the caller gets the writer's failure, as before
    }
  }
}
