import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConnection, type Db } from '../../src/store/sqlite/connection.js';
import { SqliteRateLimits } from '../../src/store/sqlite/rate-limits.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

const rule = { capacity: 10, refillPerSecond: 0.001 };
const now = 1_700_000_000_000;

// Issue #15: a rate-limit write never sleeps in SQLite's busy handler while another connection
// (the audit writer thread, another process) holds the write lock; it waits on the event loop.
describe('sqlite rate limits while another connection holds the write lock', () => {
  let temp: Awaited<ReturnType<typeof tempSqliteStore>>;
  let holder: Db;
  let mine: Db;
  beforeEach(async () => {
    temp = await tempSqliteStore();
    holder = openConnection(temp.path, true);
    mine = openConnection(temp.path, false);
  });
  afterEach(async () => {
    if (holder.inTransaction) holder.exec('ROLLBACK');
    holder.close();
    mine.close();
    await temp.cleanup();
  });

  it('waits without blocking the event loop, then takes its token once the lock is free', async () => {
    const limits = new SqliteRateLimits(mine);
    holder.exec('BEGIN IMMEDIATE');
    let settled = false;
    const taking = limits.take('k', rule, now).finally(() => (settled = true));
    // The thread is free: timers run while the take waits.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(settled).toBe(false);
    holder.exec('COMMIT');
    expect(await taking).toMatchObject({ allowed: true, remaining: 9, granted: 1 });
  });

  it('gives up as unavailable after its wait, and the bucket is untouched', async () => {
    const limits = new SqliteRateLimits(mine, 40);
    holder.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const error = await limits.take('k', rule, now).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(error).toBeInstanceOf(ToolgateError);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect((error as ToolgateError).detail).toMatch(/rate limit: database is locked/);
    holder.exec('ROLLBACK');
    // Nothing was counted by the failed attempt: the first token taken now is the first one.
    expect(await limits.take('k', rule, now)).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('other errors are not retried', async () => {
    const limits = new SqliteRateLimits(mine);
    mine.close();
    const started = Date.now();
    await expect(limits.take('k', rule, now)).rejects.toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(1_000);
    mine = openConnection(temp.path, false);
  });
});
