import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { createLeasedRateLimits } from '../../src/store/rate-limit-leases.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { RateLimitStore, Store } from '../../src/store/types.js';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';

// Issue #15: rate limits leased in blocks per instance, so a call does not wait on a write to count
// itself. The tolerance in src/store/rate-limit-leases.ts is what these tests hold it to.
const NEVER_REFILLS = (capacity: number) => ({ capacity, refillPerSecond: 1e-6 });

/** Drives `calls` takes spread round-robin over the instances, 16 in flight at a time. */
async function hammer(instances: RateLimitStore[], key: string, capacity: number, calls: number) {
  let allowed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < calls) {
        const i = next++;
        const limiter = instances[i % instances.length] as RateLimitStore;
        if ((await limiter.take(key, NEVER_REFILLS(capacity), Date.now())).allowed) allowed += 1;
      }
    }),
  );
  return allowed;
}

async function twoInstances(open: () => Promise<Store>) {
  const stores = [await open(), await open()];
  return {
    limiters: stores.map((s) => createLeasedRateLimits(s.rateLimits)),
    close: () => Promise.all(stores.map((s) => s.close())),
  };
}

function tolerance(instances: number, capacity: number) {
  // At most one lease of slack per instance: a tenth of the burst, never more than 50.
  return instances * Math.min(50, Math.floor(capacity / 10));
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
async function sqliteFile(): Promise<() => Promise<Store>> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-leases-'));
  dirs.push(dir);
  return () => openSqliteStore({ path: join(dir, 'db.sqlite') });
}

describe('leased rate limits on SQLite', () => {
  it('one instance never hands out more than the bucket holds', async () => {
    const open = await sqliteFile();
    const store = await open();
    const allowed = await hammer([createLeasedRateLimits(store.rateLimits)], 'k', 300, 1_000);
    await store.close();
    expect(allowed).toBe(300);
  });

  it('two instances on one file stay within the stated tolerance, and never above the burst', async () => {
    const { limiters, close } = await twoInstances(await sqliteFile());
    const allowed = await hammer(limiters, 'k', 300, 1_000);
    await close();
    expect(allowed).toBeLessThanOrEqual(300);
    expect(allowed).toBeGreaterThanOrEqual(300 - tolerance(2, 300));
  });

  it('small buckets are exact: one store write per call, as before', async () => {
    const { limiters, close } = await twoInstances(await sqliteFile());
    const allowed = await hammer(limiters, 'k', 12, 200);
    await close();
    expect(allowed).toBe(12);
  });

  it('a refused caller gets a retry time and the store is not asked again until then', async () => {
    let asked = 0;
    const inner: RateLimitStore = {
      take: async (_k, _r, _now, want = 1) => {
        asked += 1;
        return asked === 1
          ? { allowed: true, retryAfterMs: 0, remaining: 0, granted: want }
          : { allowed: false, retryAfterMs: 5_000, remaining: 0, granted: 0 };
      },
    };
    const limiter = createLeasedRateLimits(inner);
    const rule = { capacity: 100, refillPerSecond: 0.2 };
    expect((await limiter.take('k', rule, 1_000)).allowed).toBe(true); // leases 1 token
    const refused = await limiter.take('k', rule, 1_001);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 5_000 });
    for (let i = 0; i < 50; i++) await limiter.take('k', rule, 2_000);
    expect(asked).toBe(2);
  });
});

const bin = findPostgresBin();
let pg: ThrowawayPostgres | null = null;
beforeAll(async () => {
  if (bin) pg = await startThrowawayPostgres();
}, 60_000);
afterAll(() => pg?.stop());

describe.skipIf(!bin)('leased rate limits on PostgreSQL', () => {
  it('two instances (two pools) on one database stay within the stated tolerance', async () => {
    const url = await pg!.createDatabase();
    const { limiters, close } = await twoInstances(() => openPostgresStore({ connectionString: url }));
    const allowed = await hammer(limiters, 'k', 300, 1_000);
    await close();
    expect(allowed).toBeLessThanOrEqual(300);
    expect(allowed).toBeGreaterThanOrEqual(300 - tolerance(2, 300));
  });
});
