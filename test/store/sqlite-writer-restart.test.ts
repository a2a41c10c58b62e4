import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/audit/chain.js';
import { SqliteAuditLog } from '../../src/store/sqlite/audit-log.js';
import {
  MAX_WRITER_RESTARTS_PER_MINUTE,
  startAuditWriter,
  type AuditWriter,
} from '../../src/store/sqlite/audit-writer.js';
import { openConnection, type Db } from '../../src/store/sqlite/connection.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { event } from './suite.js';

/**
 * The audit writer thread can die (a native crash, an exception in it). What it held fails, a new
 * thread takes over at once and the chain goes on from what was committed; one that keeps dying
 * is left dead and says why, which readiness reports, instead of every call failing unexplained.
 */
describe('sqlite audit writer thread that dies', () => {
  let temp: Awaited<ReturnType<typeof tempSqliteStore>>;
  let db: Db;
  let threads: Worker[];
  let writer: AuditWriter;
  let log: SqliteAuditLog;
  beforeEach(async () => {
    temp = await tempSqliteStore(); // creates and migrates the file
    db = openConnection(temp.path, true);
    threads = [];
    writer = startAuditWriter(temp.path, GENESIS_HASH, undefined, 1_000, (source, options) => {
      const thread = new Worker(source, options);
      threads.push(thread);
      return thread;
    });
    log = new SqliteAuditLog(db, undefined, writer);
  });
  afterEach(async () => {
    await log.close();
    db.close();
    await temp.cleanup();
  });

  /** Stops the current thread as a crash would, and waits for its replacement (if any). */
  async function crash() {
    const count = threads.length;
    await threads.at(-1)!.terminate();
    for (let i = 0; i < 100 && threads.length === count && writer.health() === null; i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('is replaced at once; what it held fails or was committed, and the chain goes on', async () => {
    await log.append(event({ id: 'aud_1' }));
    // Handed over and then the thread is gone: the caller gets an answer either way, never a hang.
    const held = log.append(event({ id: 'aud_held' })).then(
      () => 'committed',
      (error: { detail?: string }) => error.detail,
    );
    await crash();
    expect(await held).toMatch(/committed|audit writer thread stopped \(exit code 1\)/);
    expect(threads).toHaveLength(2);
    expect(writer.health()).toBeNull();
    const next = await log.append(event({ id: 'aud_2' }));
    expect(await log.verify()).toMatchObject({ ok: true, count: next.seq, headSeq: next.seq });
  });

  it('one that dies between its COMMIT and its reply: the caller is answered with the stored event', async () => {
    // A thread of the real source that exits right after committing, before it replies.
    const replying = 'parentPort.postMessage({ id: message.id, results:';
    const spawned: Worker[] = [];
    const dying = startAuditWriter(temp.path, GENESIS_HASH, undefined, 1_000, (source, options) => {
      expect(source).toContain(replying);
      const first = spawned.length === 0;
      const thread = new Worker(first ? source.replace(replying, `process.exit(7); ${replying}`) : source, options);
      spawned.push(thread);
      return thread;
    });
    const dyingLog = new SqliteAuditLog(db, undefined, dying);
    try {
      const sealed = await dyingLog.append(event({ id: 'aud_committed' }));
      expect(spawned).toHaveLength(2); // the first died, after its COMMIT
      const row = db.prepare('SELECT seq, hash FROM audit_events WHERE id = ?').get('aud_committed');
      expect(row).toEqual({ seq: sealed.seq, hash: sealed.hash });
      // The replacement carries on from it, and the chain holds.
      const next = await dyingLog.append(event({ id: 'aud_after' }));
      expect(next.prevHash).toBe(sealed.hash);
      expect(await dyingLog.verify()).toMatchObject({ ok: true, headSeq: next.seq });
    } finally {
      await dyingLog.close();
    }
  });

  it(`one that dies more than ${MAX_WRITER_RESTARTS_PER_MINUTE} times a minute stays down and says why`, async () => {
    for (let i = 0; i <= MAX_WRITER_RESTARTS_PER_MINUTE; i++) await crash();
    expect(threads).toHaveLength(MAX_WRITER_RESTARTS_PER_MINUTE + 1);
    expect(writer.health()).toMatch(/not restarted after 6 stops within a minute/);
    await expect(log.append(event({ id: 'aud_late' }))).rejects.toMatchObject({
      code: 'unavailable',
      detail: expect.stringMatching(/not restarted/),
    });
    expect(threads).toHaveLength(MAX_WRITER_RESTARTS_PER_MINUTE + 1);
  });
});

// Readiness (/readyz) is the store's ping: a store whose writer stays down cannot record a call,
// so it must not say it is ready, and it says why.
it('a store whose writer thread stays down is not ready, and ping says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-ready-'));
  const threads: Worker[] = [];
  const store = await openSqliteStore({
    path: join(dir, 'toolgate.db'),
    spawnWriter: (source, options) => {
      const thread = new Worker(source, options);
      threads.push(thread);
      return thread;
    },
  });
  try {
    await store.ping();
    for (let i = 0; i <= MAX_WRITER_RESTARTS_PER_MINUTE; i++) {
      const count = threads.length;
      await threads.at(-1)!.terminate();
      for (let wait = 0; wait < 100 && threads.length === count && i < MAX_WRITER_RESTARTS_PER_MINUTE; wait++)
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // The last stop is seen once its exit event has run.
    let refusal: unknown;
    for (let wait = 0; wait < 100 && !refusal; wait++) {
      refusal = await store.ping().then(
        () => undefined,
        (error: unknown) => error,
      );
      if (!refusal) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(refusal).toMatchObject({
      code: 'unavailable',
      detail: expect.stringMatching(/audit writer thread .*not restarted after 6 stops within a minute/),
    });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
