import { contentJson, createChainWalker, sealEvent } from '../../audit/chain.js';
import {
  storableEvent,
  type AuditAnchor,
  type AuditEvent,
  type AuditEventInput,
  type AuditFilter,
  type VerifyReport,
} from '../../audit/event.js';
import {
  AUDIT_COLUMNS,
  filterSql,
  fromRow,
  VERIFY_PROGRESS_EVERY,
  walkRow,
  rowValues,
  type AuditRow,
} from '../audit-rows.js';
import { createListeners } from '../../util/listeners.js';
import type { AuditCommit, AuditLog } from '../types.js';
import { mapPgError, q, transactionFrom, type Pool } from './connection.js';
import { failureOf, lostAnswer } from './failed-commit.js';

interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

const NUMERIC_COLUMNS = { seq: 'bigint', result_bytes: 'integer', result_tokens: 'integer', latency_ms: 'integer' };
const COLUMN_LIST = AUDIT_COLUMNS.join(', ');
/**
 * The columns' types, written on each parameter: a VALUES list that is not INSERT's own (as in
 * the compare-and-set append) cannot take them from the target columns.
 */
const COLUMN_TYPES = AUDIT_COLUMNS.map((column) => NUMERIC_COLUMNS[column as keyof typeof NUMERIC_COLUMNS] ?? 'text');

interface Pending {
  readonly event: AuditEventInput;
  readonly resolve: (event: AuditEvent) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The PostgreSQL audit log. Group commit: while one batch is being committed, new appends queue
 * up and go together in the next one. Gateway instances sharing the database append to one chain
 * in commit order: a batch moves the head only from the head it was sealed against, in one
 * statement while this instance's view of the head is current and under the head row's lock
 * (`FOR UPDATE`) otherwise (`commit`). (Two batches in flight, the second waiting on the lock
 * inside PostgreSQL, measured no faster on two cores: the database's own CPU is what the batches
 * wait for there.)
 */
export class PgAuditLog implements AuditLog {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private draining = false;
  /** The head as this instance's last commit left it; null when not known (at start, after a failure). */
  private head: ChainHead | null = null;
  /** Events answered as failed that may be stored after all (`noteLostAnswers`). */
  private undecided: AuditEventInput[] = [];
  private readonly commits = createListeners<AuditCommit>();

  constructor(
    private readonly pool: Pool,
    private readonly key: Buffer | undefined,
  ) {}

  append(event: AuditEventInput): Promise<AuditEvent> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event: asStored(storableEvent(event)), resolve, reject });
      if (!this.draining) {
        this.draining = true;
        this.flushing = this.drain();
      }
    });
  }

  onCommit(listener: (commit: AuditCommit) => void): () => void {
    return this.commits.subscribe(listener);
  }

  /** Resolves once everything queued so far is committed (or failed); close() waits on it. */
  async settle(): Promise<void> {
    while (this.draining) await this.flushing;
  }

  private async drain(): Promise<void> {
    try {
      await new Promise((r) => setImmediate(r)); // let the calls of this turn join the batch
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const sealed = await this.timedCommit(batch.map((p) => p.event));
          batch.forEach((p, i) => p.resolve(sealed[i] as AuditEvent));
          if (this.undecided.length > 0) await this.noteLostAnswers();
        } catch (error) {
          await this.settleFailedBatch(batch, error as Error);
        }
      }
    } finally {
      // Reached synchronously after the last resolve (no await in between), so an append made
      // by a caller resuming from that resolve always sees `draining` false and starts a drain.
      this.draining = false;
    }
  }

  /**
   * Answers the callers of a batch whose commit failed, by what the failure says about it:
   * - an event's data refused it (a duplicate id, a value the column cannot hold): the batch was
   *   rolled back, and one bad event must not fail its batch-mates, so each is tried alone;
   * - the server refused it for another reason (a lock or statement timeout, a shutdown): rolled
   *   back for certain, and trying each event alone would only wait out the same timeout once per
   *   event (a held head lock kept calls waiting 45 s in an outside probe): all fail now;
   * - no answer from the server (the connection was lost, maybe after COMMIT was sent): it is
   *   unknown whether the batch landed, so look; the stored events are answered as stored (before,
   *   each was retried, refused as a duplicate id, and every caller got `conflict` for an event
   *   that was stored) and the rest fail. When the lookup fails too, all fail.
   */
  private async settleFailedBatch(batch: readonly Pending[], error: Error): Promise<void> {
    const verdict = failureOf(error);
    if (verdict === 'refused-by-data' && batch.length > 1) {
      for (const p of batch)
        await this.timedCommit([p.event]).then(
          (s) => p.resolve(s[0] as AuditEvent),
          (e: Error) => p.reject(e),
        );
      return;
    }
    const stored = verdict === 'unanswered' ? await this.storedOf(batch.map((p) => p.event)).catch(() => null) : null;
    if (verdict === 'unanswered' && !stored)
      this.undecided = [...this.undecided, ...batch.map((p) => p.event)].slice(-MAX_UNDECIDED);
    for (const p of batch) {
      const event = stored?.get(p.event.id);
      if (event) p.resolve(event);
      else p.reject(error);
    }
  }

  /**
   * A batch whose answer was lost, and whose lookup failed too (the server went down around the
   * commit), was answered as failed — "nothing was returned" — yet may be stored, recording as
   * `ok` a call whose result never left (an outside probe saw it 3 times in ~440,000 events, each
   * at a server restart). Once a commit succeeds again, those events are looked up, and each one
   * found is followed by an `audit.answer_lost` event citing it, so the log does not claim a
   * delivery that did not happen. The lookup failing again leaves them for the next time.
   */
  private async noteLostAnswers(): Promise<void> {
    const events = this.undecided;
    const stored = await this.storedOf(events).catch(() => null);
    if (!stored) return;
    this.undecided = [];
    const ignore = () => undefined; // nobody waits on a note; a failed one is not retried
    for (const { id } of events) {
      const found = stored.get(id);
      if (found) this.queue.push({ event: storableEvent(lostAnswer(found)), resolve: ignore, reject: ignore });
    }
  }

  /** Which of these events are stored after all: same id and the same content. */
  private async storedOf(events: readonly AuditEventInput[]): Promise<Map<string, AuditEvent>> {
    const ids = events.map((event) => event.id);
    const sql = 'SELECT * FROM audit_events WHERE id = ANY($1::text[])';
    const { rows } = await q<AuditRow>(this.pool, 'audit append lookup', sql, [ids]);
    const found = new Map(rows.map((row) => [row.id, fromRow(row)]));
    const stored = new Map<string, AuditEvent>();
    for (const event of events) {
      const row = found.get(event.id);
      if (row && contentJson(row, 0, '') === contentJson(event, 0, '')) stored.set(event.id, row);
    }
    return stored;
  }

  /** commit(), and the time it took told to onCommit's listeners when it committed. */
  private async timedCommit(events: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    const started = performance.now();
    const sealed = await this.commit(events);
    this.commits.emit({ seconds: (performance.now() - started) / 1000, events: events.length });
    return sealed;
  }

  /**
   * One round trip per batch while this instance wrote the head last, which is the usual case:
   * the rows and the new head go in one statement that moves the head only if it is still the one
   * the batch was sealed against (a compare-and-set; `appendIfHeadIs`). Otherwise (the first
   * batch, another instance appended since, or the last commit failed) three, under the head
   * row's lock (`appendUnderLock`). Either way every event is on disk before its append resolves.
   */
  private async commit(events: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    const known = this.head;
    this.head = null; // unknown until this commit is known to have landed
    const sealed = (known && (await this.appendIfHeadIs(known, events))) || (await this.appendUnderLock(events));
    const last = sealed.at(-1)!;
    this.head = { seq: last.seq, hash: last.hash };
    return sealed;
  }

  /**
   * The batch sealed after `head`, inserted in one autocommit statement together with the head's
   * move, or null (nothing written) when the head is no longer `head`. In READ COMMITTED the
   * UPDATE waits for any other instance's lock on the head row and then re-checks its WHERE on
   * the row as that instance left it, so two instances can never both append after one head.
   */
  private async appendIfHeadIs(head: ChainHead, events: readonly AuditEventInput[]): Promise<AuditEvent[] | null> {
    const { sealed, values, tuples } = this.seal(events, head);
    const next = sealed.at(-1)!;
    const [newSeq, newHash, oldSeq, oldHash] = [1, 2, 3, 4].map((i) => `$${values.length + i}`);
    values.push(next.seq, next.hash, head.seq, head.hash);
    const moveHead = `UPDATE audit_head SET seq = ${newSeq}, hash = ${newHash} WHERE one = 1 AND seq = ${oldSeq} AND hash = ${oldHash} RETURNING one`;
    const sql =
      `WITH moved AS (${moveHead}) INSERT INTO audit_events (${COLUMN_LIST}) ` +
      `SELECT * FROM (VALUES ${tuples}) AS batch (${COLUMN_LIST}) WHERE EXISTS (SELECT 1 FROM moved)`;
    const { rowCount } = await q(this.pool, 'audit append', sql, values);
    if (rowCount === 0) return null; // another instance appended since: seal again under the lock
    if (rowCount !== events.length) throw new Error(`audit append stored ${rowCount} of ${events.length} rows`);
    return sealed;
  }

  /** BEGIN with the head row's lock, the rows with the new head, COMMIT: three round trips. */
  private appendUnderLock(events: readonly AuditEventInput[]): Promise<AuditEvent[]> {
    const lockHead = 'SELECT seq, hash FROM audit_head WHERE one = 1 FOR UPDATE';
    return transactionFrom<{ seq: string; hash: string }, AuditEvent[]>(
      this.pool,
      'audit append',
      lockHead,
      async (client, [row]) => {
        const head = { seq: Number(row?.seq ?? 0), hash: row?.hash ?? '' };
        const { sealed, values, tuples } = this.seal(events, head);
        const next = sealed.at(-1)!;
        // The rows and the new head in one statement: a data-modifying WITH runs exactly once.
        const moveHead = `UPDATE audit_head SET seq = $${values.length + 1}, hash = $${values.length + 2} WHERE one = 1`;
        values.push(next.seq, next.hash);
        await client.query(
          `WITH inserted AS (INSERT INTO audit_events (${COLUMN_LIST}) VALUES ${tuples}) ${moveHead}`,
          values,
        );
        return sealed;
      },
    );
  }

  /** The events chained after `head`, with their row values and a typed placeholder tuple each. */
  private seal(events: readonly AuditEventInput[], head: ChainHead) {
    let { seq, hash } = head;
    const sealed: AuditEvent[] = [];
    const values: unknown[] = [];
    const rows: string[] = [];
    for (const event of events) {
      const next = sealEvent(event, seq + 1, hash, this.key);
      rows.push(`(${COLUMN_TYPES.map((type, i) => `$${values.length + i + 1}::${type}`).join(', ')})`);
      values.push(...rowValues(next));
      sealed.push(next);
      ({ seq, hash } = next);
    }
    return { sealed, values, tuples: rows.join(', ') };
  }

  async query(filter: AuditFilter): Promise<AuditEvent[]> {
    const { where, params, order, limit } = filterSql(filter, (i) => `$${i}`);
    return (
      await q<AuditRow>(this.pool, 'audit query', `SELECT * FROM audit_events ${where} ${order} LIMIT ${limit}`, params)
    ).rows.map(fromRow);
  }

  async get(id: string): Promise<AuditEvent | null> {
    const { rows } = await q<AuditRow>(this.pool, 'audit get', 'SELECT * FROM audit_events WHERE id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async recordedKeyCheck(): Promise<string | null> {
    try {
      const { rows } = await this.pool.query<{ value: string }>(
        "SELECT value FROM audit_meta WHERE name = 'key_check'",
      );
      return rows[0]?.value ?? null;
    } catch (error) {
      if ((error as { code?: string }).code === '42P01') return null; // a log from before the table
      throw mapPgError('audit key check', error);
    }
  }

  /**
   * Reads the head and every page in one REPEATABLE READ snapshot. Read statement by statement,
   * a gateway appending meanwhile moved the rows past the head read first, and a live log was
   * reported TAMPERED (head_mismatch, exit 1) on every run while the chain was intact.
   */
  async chainHead(): Promise<AuditAnchor | null> {
    const sql = 'SELECT seq, hash FROM audit_head WHERE one = 1';
    const row = (await q<{ seq: string; hash: string }>(this.pool, 'audit head', sql)).rows[0];
    // The row exists from the first migration on, at seq 0: an empty log.
    return row && Number(row.seq) > 0 ? { seq: Number(row.seq), hash: row.hash } : null;
  }

  verify(anchor?: AuditAnchor, progress?: (checked: number) => void): Promise<VerifyReport> {
    const snapshot = 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY';
    return transactionFrom(this.pool, 'audit verify', snapshot, async (client) => {
      const head = (await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE one = 1'))
        .rows[0];
      // Streams: keyset pages of 1,000 through one walker, so memory stays flat however long the log.
      const walker = createChainWalker(this.key, anchor);
      for (let after = 0, walked = 0; ;) {
        const sql = 'SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 1000';
        const { rows } = await client.query<AuditRow>(sql, [after]);
        if (rows.length === 0) break;
        for (const row of rows) {
          const problem = walkRow(walker, row);
          if (problem) return problem;
          if (++walked % VERIFY_PROGRESS_EVERY === 0) progress?.(walked);
        }
        after = Number(rows.at(-1)?.seq);
      }
      return walker.finish(head ? { seq: Number(head.seq), hash: head.hash } : null);
    });
  }
}

/**
 * At most this many events go in one statement. A statement takes at most 65,535 parameters and
 * each event is 27 of them: 2,500 appends in one turn (a burst) were one statement PostgreSQL
 * refused as a protocol violation, and every one of those calls failed.
 */
const MAX_BATCH = 1_000;

/** At most this many events wait to be looked up (`noteLostAnswers`); the oldest go first. */
const MAX_UNDECIDED = 10_000;

/**
 * The event with its data as the table will give it back: this store seals from the event, not
 * from the stored text (as the SQLite writer does), so a value JSON writes otherwise than it is (a
 * Date, a toJSON, a boxed number, a function) hashed one way and verified another, and a library
 * user's own audit data raised a false tamper alarm. Most events have no data and are unchanged.
 */
function asStored(event: AuditEventInput): AuditEventInput {
  if (event.data === null || event.data === undefined) return event;
  return { ...event, data: JSON.parse(JSON.stringify(event.data)) as Record<string, unknown> };
}
