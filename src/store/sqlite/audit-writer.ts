import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AUDIT_COLUMNS, type AuditRow } from '../audit-rows.js';

export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export type WriteReply =
  | { readonly ok: true }
  | { readonly conflict: ChainHead }
  | { readonly error: { readonly message: string; readonly code?: string } };

export interface AuditWriter {
  /** Inserts rows sealed on `expected` in one IMMEDIATE transaction; `conflict` if the head moved. */
  write(rows: readonly AuditRow[], expected: ChainHead): Promise<WriteReply>;
  close(): Promise<void>;
}

/**
 * The audit log's committer on its own thread (issue #15). With synchronous=FULL every COMMIT
 * waits for an fsync — 0.5 to 3 ms on the disks we measured — and better-sqlite3 is synchronous,
 * so on the main thread that wait stalled every other request. Here the main thread keeps
 * parsing, authorizing and running calls while the previous batch is made durable; a caller is
 * still answered only after its event's COMMIT returned. The worker only runs SQL: sealing (seq,
 * hash, HMAC) stays with SqliteAuditLog, which re-seals on `conflict` when another process (the
 * CLI, a second gateway) appended first. Plain JS in a string, so it runs the same from sources
 * (tsx), from dist, and inside test runners.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
const columns = workerData.columns;
const insert = db.prepare('INSERT INTO audit_events (' + columns.join(', ') + ') VALUES (' +
  columns.map((c) => '@' + c).join(', ') + ')');
const readHead = db.prepare('SELECT seq, hash FROM audit_head WHERE one = 1');
const setHead = db.prepare('INSERT INTO audit_head (one, seq, hash) VALUES (1, ?, ?) ' +
  'ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');
const write = db.transaction((rows, expected) => {
  const head = readHead.get() || { seq: 0, hash: workerData.genesis };
  if (head.seq !== expected.seq || head.hash !== expected.hash) return { conflict: head };
  for (const row of rows) insert.run(row);
  const last = rows[rows.length - 1];
  setHead.run(last.seq, last.hash);
  return { ok: true };
});
parentPort.on('message', (message) => {
  if (message.close) {
    db.close();
    parentPort.postMessage({ id: message.id, ok: true });
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, ...write.immediate(message.rows, message.expected) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: String((error && error.message) || error),
      code: error && error.code } });
  }
});
`;

export function startAuditWriter(path: string, genesis: string): AuditWriter {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, driver, genesis, columns: AUDIT_COLUMNS },
    // No loader hooks (tsx) in the writer: it is plain JS and starts faster without them.
    execArgv: [],
  });
  const waiting = new Map<number, (reply: WriteReply) => void>();
  let nextId = 0;
  let dead: string | null = null;
  worker.unref(); // an idle writer never keeps the process alive; a pending write does (ref below)

  const failAll = (why: string) => {
    dead = why;
    for (const resolve of waiting.values()) resolve({ error: { message: why } });
    waiting.clear();
  };
  worker.on('message', (reply: WriteReply & { id: number }) => {
    const resolve = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    resolve?.(reply);
  });
  worker.on('error', (error) => failAll(`audit writer failed: ${error.message}`));
  worker.on('exit', (code) => failAll(`audit writer exited (${code})`));

  const send = (message: Record<string, unknown>): Promise<WriteReply> => {
    if (dead) return Promise.resolve({ error: { message: dead } });
    const id = ++nextId;
    worker.ref();
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      worker.postMessage({ ...message, id });
    });
  };

  return {
    write: (rows, expected) => send({ rows, expected }),
    async close() {
      if (!dead) await send({ close: true });
      await worker.terminate();
    },
  };
}
