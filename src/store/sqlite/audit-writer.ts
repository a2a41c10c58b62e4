import { createRequire } from 'node:module';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { HASHED_KEYS } from '../../audit/chain.js';
import { AUDIT_COLUMNS, columnIndexOf, JSON_COLUMNS, SEALED_AT, type AuditValue } from '../audit-rows.js';
import { createListeners } from '../../util/listeners.js';
import type { AuditCommit } from '../types.js';
import { LOCK_WAIT_MS } from './connection.js';

/** An event's row (rowValues) ready for the writer: all but the seq and the two hashes, which it fills in. */
export type UnsealedRow = AuditValue[];

/**
 * The hashed keys in order, with the column each is read from, for the writer's contentOf: the
 * same text contentJson (audit/chain.ts) gives for the event verify() reads back from the row.
 */
const HASHED_COLUMNS = HASHED_KEYS.map(({ key, json, optional }) => {
  const column = columnIndexOf(key);
  return { label: `${json}:`, column, json: JSON_COLUMNS.includes(AUDIT_COLUMNS[column]!), optional };
});

/** What the writer did with one event: where it sealed it, or why it could not. */
export type SealResult =
  | { readonly seq: number; readonly prevHash: string; readonly hash: string }
  | { readonly error: { readonly message: string; readonly code?: string } };

export interface AuditWriter {
  /** Seals and commits the events; resolves after their COMMIT, one result per event, in order. */
  append(rows: readonly UnsealedRow[]): Promise<SealResult[]>;
  /** Null while appends can be served; otherwise why not (readiness reports it). */
  health(): string | null;
  /** Each transaction that committed: a batch, or each event of a failed batch retried alone. */
  onCommit(listener: (commit: AuditCommit) => void): () => void;
  close(): Promise<void>;
}

/**
 * The audit log's sealer and committer, on its own thread (issue #15). With synchronous=FULL every
 * COMMIT waits for an fsync, and better-sqlite3 is synchronous, so on the main thread that wait
 * stalled every other request. Here the main thread keeps parsing, authorizing and running calls
 * while events are made durable; a caller is still answered only after its event's COMMIT.
 *
 * The writer also seals: inside its IMMEDIATE transaction it reads the chain head, gives each
 * event the next seq and hashes the content it rebuilds from the row it stores (contentOf below),
 * which is what verify() reads back and checks. Building that text here rather than on the main
 * thread, and posting only the row, saved the main thread ~5 µs a call (issue #15). Holding the write lock while
 * it reads the head, it never seals on a head another process (the CLI, a second gateway) has
 * moved, so nothing is ever re-sealed. Messages that arrive while a COMMIT runs are merged into
 * the next transaction; if a merged batch fails, each event is retried alone, so only the culprit
 * fails — unless the write lock never came free, which fails the batch whole after one wait.
 * That wait polls (50 µs) instead of using SQLite's busy handler: the handler's first sleep is a
 * whole millisecond, and the lock is usually a short write on the main thread (a draft, an
 * idempotency key, the readiness probe; rate-limit refills were, before they moved to a file of
 * their own), held for microseconds; not sleeping through it was worth +3–17% req/s (issue #15).
 * Plain JS in a string: it runs the same from sources (tsx), from dist and in test runners.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
// It only walks the right-hand edges of the table and its indexes: 2 MB of pages is plenty.
// better-sqlite3's default of 16 MB per connection filled up within minutes (soak, issue #15).
db.pragma('cache_size = -2000');
// No SQLite busy handler: its first sleep is a whole millisecond, see sealWaiting below.
db.pragma('busy_timeout = 0');
const key = workerData.key ? Buffer.from(workerData.key) : null;
// The file this connection writes to. If the path stops naming it (deleted, or replaced by a
// restore), commits would still succeed into an inode no one can open again: every answer would
// cite an audit event that is gone at the next start. A stat per COMMIT (~2 µs) refuses that.
const fs = require('node:fs');
const opened = fs.statSync(workerData.path);
function checkSameFile() {
  const now = fs.statSync(workerData.path, { throwIfNoEntry: false });
  if (now && now.ino === opened.ino && now.dev === opened.dev) return;
  throw Object.assign(new Error('the database file ' + workerData.path + ' was ' + (now ? 'replaced' : 'removed') +
    ' while the gateway ran; nothing more is written to it (restore it, or restart the gateway)'), { code: 'TOOLGATE_DB_REPLACED' });
}
const { seq: SEQ, prevHash: PREV, hash: HASH } = workerData.sealedAt;
const insert = db.prepare('INSERT INTO audit_events (' + workerData.columns.join(', ') + ') VALUES (' +
  workerData.columns.map(() => '?').join(', ') + ')');
const readHead = db.prepare('SELECT seq, hash FROM audit_head WHERE one = 1');
const setHead = db.prepare('INSERT INTO audit_head (one, seq, hash) VALUES (1, ?, ?) ' +
  'ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');
// An event's hashed content from its row, as verify() reads the row back (fromRow in
// audit-rows.ts) and hashes it (contentJson in audit/chain.ts): keys in sorted order, JSON
// columns parsed and written out canonically, an optional field that is NULL left out.
const canonical = (value) => value === null || typeof value !== 'object' ? JSON.stringify(value) ?? 'null'
  : Array.isArray(value) ? '[' + value.map(canonical).join(',') + ']'
  : '{' + Object.keys(value).sort().map((k) => JSON.stringify(k) + ':' + canonical(value[k])).join(',') + '}';
function contentOf(values) {
  let text = '{';
  let separator = '';
  for (const { label, column, json, optional } of workerData.hashed) {
    const value = values[column];
    if (optional && value === null) continue;
    text += separator + label + (json && value !== null ? canonical(JSON.parse(value)) : JSON.stringify(value));
    separator = ',';
  }
  return text + '}';
}
const hashOf = (content) => key
  ? crypto.createHmac('sha256', key).update(content).digest('hex')
  : crypto.hash ? crypto.hash('sha256', content, 'hex') : crypto.createHash('sha256').update(content).digest('hex');
const seal = db.transaction((events) => {
  const head = readHead.get() || { seq: 0, hash: workerData.genesis };
  let { seq, hash } = head;
  const sealed = [];
  for (const values of events) {
    const prevHash = hash;
    seq += 1;
    values[SEQ] = seq;
    values[PREV] = prevHash;
    hash = hashOf(contentOf(values));
    values[HASH] = hash;
    insert.run(values);
    sealed.push({ seq, prevHash, hash });
  }
  setHead.run(seq, hash);
  return sealed;
});
const failure = (error) => ({ error: { message: String((error && error.message) || error), code: error && error.code } });
const isBusy = (error) => !!error && typeof error.code === 'string' && error.code.startsWith('SQLITE_BUSY');
const pause = new Int32Array(new SharedArrayBuffer(4));
// Another connection holding the write lock is usually a short write on the main thread, done
// in tens of microseconds; SQLite's busy handler would sleep 1 ms (then longer)
// and every caller waiting on this batch with it. Poll every 50 µs instead for the first ~2 ms,
// then every millisecond (a lock held that long is another process's, and polling it fast
// would only burn a core), up to lockWaitMs.
function sealWaiting(events) {
  const until = Date.now() + workerData.lockWaitMs;
  for (let attempt = 0; ; attempt++) {
    try { return seal.immediate(events); }
    catch (error) { if (!isBusy(error) || Date.now() >= until) throw error; }
    Atomics.wait(pause, 0, 0, attempt < 40 ? 0.05 : 1);
  }
}
let waiting = [];
let scheduled = false;
function commit() {
  scheduled = false;
  const messages = waiting;
  waiting = [];
  const events = messages.flatMap((m) => m.events);
  // Every COMMIT that happened, timed: the batch's, or each of the retries that committed.
  let commits = [];
  let results;
  try {
    results = timed(events);
  } catch (error) {
    // A lock never released fails the batch whole: retrying each event would wait again each.
    results = events.length === 1 || isBusy(error) ? events.map(() => failure(error)) : events.map((event) => {
      try { return timed([event])[0]; } catch (single) { return failure(single); }
    });
  }
  function timed(batch) {
    checkSameFile();
    const started = performance.now();
    const sealed = sealWaiting(batch);
    commits.push({ seconds: (performance.now() - started) / 1000, events: batch.length });
    return sealed;
  }
  let at = 0;
  for (const message of messages) {
    // The timings ride on the first reply only: one observation per transaction.
    parentPort.postMessage({ id: message.id, results: results.slice(at, at + message.events.length), commits });
    commits = undefined;
    at += message.events.length;
  }
}
parentPort.on('message', (message) => {
  if (message.close) {
    if (waiting.length) commit();
    db.close();
    parentPort.postMessage({ id: message.id, closed: true });
    return;
  }
  waiting.push(message);
  if (!scheduled) { scheduled = true; setImmediate(commit); }
});
`;

/**
 * The code of an event's failure when the writer thread stopped before answering for it: the
 * event may still have been committed (the thread can die between its COMMIT and its reply), so
 * the audit log looks it up before failing its caller.
 */
export const WRITER_STOPPED = 'TOOLGATE_WRITER_STOPPED';

/** Deaths of the writer thread within a minute after which it is not restarted again. */
export const MAX_WRITER_RESTARTS_PER_MINUTE = 5;

/** Creates the writer's thread; tests pass their own to reach the Worker (and stop it). */
export type SpawnWriter = (source: string, options: WorkerOptions) => Worker;

export function startAuditWriter(
  path: string,
  genesis: string,
  key?: Buffer,
  lockWaitMs = LOCK_WAIT_MS,
  spawn: SpawnWriter = (source, options) => new Worker(source, options),
): AuditWriter {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const options: WorkerOptions = {
    eval: true,
    workerData: {
      path,
      driver,
      genesis,
      key,
      lockWaitMs,
      columns: AUDIT_COLUMNS,
      sealedAt: SEALED_AT,
      hashed: HASHED_COLUMNS,
    },
    // No loader hooks (tsx) in the writer: it is plain JS and starts faster without them.
    execArgv: [],
  };
  /** `unsent`: refused before any thread saw it, so there is nothing committed to look up. */
  type Reply = {
    id: number;
    results?: SealResult[];
    commits?: AuditCommit[];
    closed?: true;
    failed?: string;
    unsent?: true;
  };
  const waiting = new Map<number, (reply: Reply) => void>();
  let nextId = 0;
  /** Why appends fail at once: closed, or the thread kept dying. Null while it serves. */
  let dead: string | null = null;
  let closing = false;
  const deaths: number[] = [];
  const commits = createListeners<AuditCommit>();

  const failAll = (why: string) => {
    for (const resolve of waiting.values()) resolve({ id: -1, failed: why });
    waiting.clear();
  };

  /**
   * A thread that dies (a native crash, an exception in the writer) fails what it was given
   * (WRITER_STOPPED: the audit log then finds whatever of it was committed) and is replaced at
   * once: the new one reads the chain head inside its first transaction, so the chain goes on
   * from whatever the old one committed. Before, one death failed every later call until a
   * restart while readiness still said ready. A thread that keeps dying is left dead and the
   * store reports unavailable (see health), rather than restarting in a loop.
   */
  function start(): Worker {
    const thread = spawn(WORKER_SOURCE, options);
    thread.unref(); // an idle writer never keeps the process alive; a pending write does (ref in send)
    let why = 'the audit writer thread stopped';
    thread.on('message', (reply: Reply) => {
      const resolve = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (waiting.size === 0) thread.unref();
      resolve?.(reply);
      for (const commit of reply.commits ?? []) commits.emit(commit);
    });
    thread.on('error', (error) => (why = `the audit writer thread failed: ${error.message}`));
    thread.on('exit', (code) => {
      failAll(`${why} (exit code ${code})`);
      if (closing) return;
      const now = Date.now();
      deaths.push(now);
      while ((deaths[0] ?? now) < now - 60_000) deaths.shift();
      if (deaths.length > MAX_WRITER_RESTARTS_PER_MINUTE)
        dead = `${why}; not restarted after ${deaths.length} stops within a minute`;
      else worker = start();
    });
    return thread;
  }
  let worker = start();

  const send = (message: Record<string, unknown>): Promise<Reply> => {
    if (dead) return Promise.resolve({ id: -1, failed: dead, unsent: true });
    const id = ++nextId;
    worker.ref();
    return new Promise((resolve, reject) => {
      waiting.set(id, resolve);
      try {
        worker.postMessage({ ...message, id });
      } catch (error) {
        // A value that cannot be cloned: nothing was sent, so nothing will answer.
        waiting.delete(id);
        if (waiting.size === 0) worker.unref();
        reject(error as Error);
      }
    });
  };

  return {
    async append(rows) {
      const reply = await send({ events: rows });
      if (reply.results) return reply.results;
      const error = {
        message: reply.failed ?? 'audit writer stopped',
        code: reply.unsent ? undefined : WRITER_STOPPED,
      };
      return rows.map(() => ({ error }));
    },
    health: () => dead,
    onCommit: commits.subscribe,
    async close() {
      closing = true;
      if (!dead) await send({ close: true });
      dead = 'the audit log is closed';
      await worker.terminate();
    },
  };
}
