import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openConnection, type Db } from '../../src/store/sqlite/connection.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { rateLimitFilePath } from '../../src/store/sqlite/rate-limit-file.js';
import type { Store } from '../../src/store/types.js';

// Issue #15: rate-limit buckets live in `<db>-rates`, so a refill never waits for the audit
// writer's lock (held through each COMMIT's fsync) and never makes the writer drop its cache.
const rule = { capacity: 10, refillPerSecond: 0.001 };
const now = 1_700_000_000_000;

const opened: { store?: Store; db?: Db; dir: string }[] = [];
afterEach(async () => {
  for (const { store, db, dir } of opened.splice(0)) {
    if (db?.inTransaction) db.exec('ROLLBACK');
    db?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function tempPath(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-rates-'));
  return { dir, path: join(dir, 'toolgate.db') };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

describe('sqlite rate-limit buckets in a file of their own', () => {
  it('a take does not wait while the audit database is write-locked', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path });
    const holder = openConnection(path, true);
    opened.push({ store, db: holder, dir });

    holder.exec('BEGIN IMMEDIATE'); // what the audit writer holds through every COMMIT
    let decision: unknown;
    const taking = store.rateLimits.take('k', rule, now).then((d) => (decision = d));
    for (let i = 0; i < 5 && decision === undefined; i++) await tick();
    // Answered with the audit database still locked: sharing that file, it would still wait.
    expect(decision).toMatchObject({ allowed: true, remaining: 9 });
    holder.exec('COMMIT');
    await taking;
  });

  it('the audit database keeps no bucket table; the rates file holds the count', async () => {
    const { dir, path } = tempPath();
    const store = await openSqliteStore({ path });
    opened.push({ store, dir });
    expect(existsSync(rateLimitFilePath(path))).toBe(true);
    await store.rateLimits.take('k', rule, now);
    const main = openConnection(path, true);
    const rates = openConnection(rateLimitFilePath(path), true);
    try {
      expect(main.prepare("SELECT name FROM sqlite_master WHERE name = 'rate_buckets'").get()).toBeUndefined();
      expect(rates.prepare('SELECT key, tokens FROM rate_buckets').all()).toEqual([{ key: 'k', tokens: 9 }]);
    } finally {
      main.close();
      rates.close();
    }
  });

  it('an upgrade carries the buckets over from the main file, so nobody gets a full bucket', async () => {
    const { dir, path } = tempPath();
    // A database as the previous release left it: migrations 1–4, a bucket with 2 tokens left.
    const old = openConnection(path, true);
    old.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) {
      old.exec(migration.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, 'then');
    }
    old.prepare('INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES (?, ?, ?)').run('k', 2, now);
    old.close();

    const store = await openSqliteStore({ path });
    opened.push({ store, dir });
    expect(await store.rateLimits.take('k', rule, now)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await store.rateLimits.take('k', rule, now)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await store.rateLimits.take('k', rule, now)).allowed).toBe(false);
    await expect(store.ping()).resolves.toBeUndefined(); // migration 5 applied: nothing pending
  });

  // Open files are read from /proc (Linux, as CI runs); elsewhere this one is skipped.
  it.skipIf(!existsSync('/proc/self/fd'))(
    'a rates file that cannot be opened fails the open clearly and leaves nothing open',
    async () => {
      const { dir, path } = tempPath();
      opened.push({ dir });
      mkdirSync(rateLimitFilePath(path)); // a directory where the file should be
      await expect(openSqliteStore({ path })).rejects.toMatchObject({ code: 'unavailable' });
      // The database file opened before it is closed again, not left to the garbage collector.
      const openFiles = readdirSync('/proc/self/fd').map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      });
      expect(openFiles.filter((file) => file.startsWith(path))).toEqual([]);
    },
  );

  it('two stores on one database share a bucket through the rates file', async () => {
    const { dir, path } = tempPath();
    const first = await openSqliteStore({ path });
    const second = await openSqliteStore({ path });
    opened.push({ store: first, dir }, { store: second, dir });
    const stores = [first, second];
    const decisions = [];
    for (let i = 0; i < 12; i++) decisions.push(await (stores[i % 2] as Store).rateLimits.take('k', rule, now));
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(10).fill(true), false, false]);
  });
});

describe('a bucket two processes take from', () => {
  // Outside probe: a take runs later than its call arrived (after the turn, after another process's
  // lock). Writing its earlier time over a later one set the bucket's clock back, and the next
  // take counted that refill again: +4-5% over an exact bucket with three processes on one file.
  it('never has its clock set back by a take that arrived before the last one ran', async () => {
    const { dir, path } = tempPath();
    const first = await openSqliteStore({ path });
    const second = await openSqliteStore({ path });
    opened.push({ store: first, dir }, { store: second, dir });
    const oneASecond = { capacity: 1, refillPerSecond: 1 };
    expect(await first.rateLimits.take('k', oneASecond, now)).toMatchObject({ allowed: true }); // empty now
    expect(await first.rateLimits.take('k', oneASecond, now + 1_000)).toMatchObject({ allowed: true }); // refilled
    // The other process's take arrived at +500 ms and runs only now: nothing to take.
    expect(await second.rateLimits.take('k', oneASecond, now + 500)).toMatchObject({ allowed: false });
    // At +1,500 ms the bucket has refilled half a token since +1,000: refused. With the clock set
    // back to +500, a whole second counted and it was allowed.
    expect(await first.rateLimits.take('k', oneASecond, now + 1_500)).toMatchObject({
      allowed: false,
      retryAfterMs: 500,
    });
  });
});
