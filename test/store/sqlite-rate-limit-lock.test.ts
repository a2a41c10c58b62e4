import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConnection, type Db } from '../../src/store/sqlite/connection.js';
import { openRateLimitFile, rateLimitFilePath } from '../../src/store/sqlite/rate-limit-file.js';
import { SqliteRateLimits } from '../../src/store/sqlite/rate-limits.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';
import type { RateDecision } from '../../src/store/types.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

const rule = { capacity: 10, refillPerSecond: 0.001 };
const now = 1_700_000_000_000;

// Issue #15: a rate-limit write never sleeps in SQLite's busy handler while another connection
// (another process on the same database) holds the buckets' write lock; it waits on the event loop.
describe('sqlite rate limits while another connection holds the write lock', () => {
  let temp: Awaited<ReturnType<typeof tempSqliteStore>>;
  let holder: Db;
  let mine: Db;
  beforeEach(async () => {
    temp = await tempSqliteStore();
    holder = openConnection(rateLimitFilePath(temp.path), true);
    mine = openRateLimitFile(temp.path);
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

  /** Counts the transactions the store runs: it only ever calls `.immediate` on what it prepared. */
  function countTransactions(db: Db): { count: number } {
    const counted = { count: 0 };
    const original = db.transaction.bind(db);
    db.transaction = ((fn: (...args: never[]) => unknown) => {
      const tx = original(fn);
      return {
        immediate: (...args: never[]) => {
          counted.count++;
          return tx.immediate(...args);
        },
      };
    }) as unknown as typeof db.transaction;
    return counted;
  }

  it('takes made in one turn of the event loop share one transaction, in order, still exact', async () => {
    const transactions = countTransactions(mine);
    const limits = new SqliteRateLimits(mine);
    // Each from a callback of its own, as requests arrive: timers due together run in one phase.
    const takes = Array.from(
      { length: 12 },
      () => new Promise<RateDecision>((resolve) => setTimeout(() => resolve(limits.take('k', rule, now)), 0)),
    );
    const decisions = await Promise.all(takes);
    // One per turn: usually one, but a loaded machine (CI) can spread the timers over two or three
    // turns. One per take, as before, would be twelve.
    expect(transactions.count).toBeLessThanOrEqual(3);
    expect(decisions.map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]);
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(10).fill(true), false, false]);
    // A take in a later turn starts a batch of its own.
    const before = transactions.count;
    expect(await limits.take('other', rule, now)).toMatchObject({ allowed: true, remaining: 9 });
    expect(transactions.count).toBe(before + 1);
  });

  it('takes that arrive while one waits join it: one transaction for all, in order, still exact', async () => {
    const transactions = countTransactions(mine);
    const limits = new SqliteRateLimits(mine);
    holder.exec('BEGIN IMMEDIATE');
    const takes = Array.from({ length: 12 }, () => limits.take('k', rule, now));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const triedWhileHeld = transactions.count; // the batch's tries, each refused by the lock
    holder.exec('COMMIT');
    const decisions = await Promise.all(takes);
    expect(transactions.count - triedWhileHeld).toBe(1);
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(10).fill(true), false, false]);
    expect(decisions.slice(0, 10).map((d) => d.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    // The next take, with nobody waiting, runs on its own.
    expect(await limits.take('other', rule, now)).toMatchObject({ allowed: true, remaining: 9 });
    expect(transactions.count - triedWhileHeld).toBe(2);
  });

  it('a batch that gives up fails every take in it, and the next take starts afresh', async () => {
    const limits = new SqliteRateLimits(mine, 40);
    holder.exec('BEGIN IMMEDIATE');
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, () => limits.take('k', rule, now).catch((e: unknown) => e)),
    );
    for (const outcome of outcomes) expect(outcome).toMatchObject({ code: 'unavailable' });
    holder.exec('ROLLBACK');
    expect(await limits.take('k', rule, now)).toMatchObject({ allowed: true, remaining: 9 });
  });

  it('other errors are not retried', async () => {
    const limits = new SqliteRateLimits(mine);
    mine.close();
    const started = Date.now();
    await expect(limits.take('k', rule, now)).rejects.toMatchObject({ code: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(1_000);
    mine = openRateLimitFile(temp.path);
  });
});
