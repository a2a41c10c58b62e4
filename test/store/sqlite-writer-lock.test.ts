import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/audit/chain.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';
import { SqliteAuditLog } from '../../src/store/sqlite/audit-log.js';
import { startAuditWriter } from '../../src/store/sqlite/audit-writer.js';
import { openConnection, type Db } from '../../src/store/sqlite/connection.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { event } from './suite.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Issue #15: the audit writer thread waits for another connection's write lock by polling, not
// in SQLite's busy handler (whose first sleep is a whole millisecond, and every caller of the
// batch waited it out each time a rate-limit refill held the lock for a few microseconds).
// What must hold whatever the wait: nothing is lost, the chain stays whole, and a lock that never
// comes free fails the batch as `unavailable` after the wait, once, not once per event.
describe('sqlite audit writer while another connection holds the write lock', () => {
  let temp: Awaited<ReturnType<typeof tempSqliteStore>>;
  let holder: Db;
  let mine: Db;
  let log: SqliteAuditLog | undefined;
  beforeEach(async () => {
    temp = await tempSqliteStore(); // creates and migrates the file
    holder = openConnection(temp.path, true);
    mine = openConnection(temp.path, true);
  });
  afterEach(async () => {
    if (holder.inTransaction) holder.exec('ROLLBACK');
    await log?.close();
    log = undefined;
    holder.close();
    mine.close();
    await temp.cleanup();
  });

  it('commits once the lock is free, in order, with the chain whole', async () => {
    log = new SqliteAuditLog(mine, undefined, startAuditWriter(temp.path, GENESIS_HASH));
    holder.exec('BEGIN IMMEDIATE');
    let settled = false;
    const appends = [1, 2, 3].map((i) => log!.append(event({ id: `aud_${i}` })));
    void Promise.all(appends).finally(() => (settled = true));
    await sleep(50);
    expect(settled).toBe(false); // nothing is answered before its COMMIT
    holder.exec('COMMIT');
    const sealed = await Promise.all(appends);
    expect(sealed.map((e) => [e.id, e.seq])).toEqual([
      ['aud_1', 1],
      ['aud_2', 2],
      ['aud_3', 3],
    ]);
    expect(await log.verify()).toMatchObject({ ok: true, count: 3 });
  });

  it('fails the whole batch as unavailable after its wait, once, and writes again when free', async () => {
    log = new SqliteAuditLog(mine, undefined, startAuditWriter(temp.path, GENESIS_HASH, undefined, 300));
    holder.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map((i) => log!.append(event({ id: `aud_${i}` })).catch((e: unknown) => e)),
    );
    const waited = Date.now() - started;
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(ToolgateError);
      expect(outcome).toMatchObject({ code: 'unavailable' });
      expect((outcome as ToolgateError).detail).toMatch(/database is locked/);
    }
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(4 * 300); // one wait for the batch, not one per event
    holder.exec('ROLLBACK');
    const next = await log.append(event({ id: 'aud_5' }));
    expect(next.seq).toBe(1); // nothing of the failed batch was written
    expect(await log.verify()).toMatchObject({ ok: true, count: 1 });
  });
});
