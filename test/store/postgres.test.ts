import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditCommand } from '../../src/cli/audit.js';
import type { PgAuditLog } from '../../src/store/postgres/audit-log.js';
import { openPostgresAuditReader } from '../../src/store/postgres/audit-reader.js';
import { openStore } from '../../src/store/open-store.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import type { Store } from '../../src/store/types.js';
import { lockKey } from '../../src/store/postgres/drafts.js';
import { takeToken } from '../../src/store/token-bucket.js';
import { runCli } from '../helpers/capture-io.js';
import { headRoundTrips } from '../helpers/pg-round-trips.js';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { draft, event, runStoreSuite } from './suite.js';

/** The same store suite SQLite passes, on a real PostgreSQL server started for this file. */
const bin = findPostgresBin();
if (!bin) console.warn('\n⚠ SKIPPED PostgreSQL store tests: no PostgreSQL binaries under /usr/lib/postgresql\n');

let server: ThrowawayPostgres | null = null;
beforeAll(async () => {
  if (bin) server = await startThrowawayPostgres();
}, 60_000);
afterAll(() => server?.stop());

describe.skipIf(!bin)('postgres', () => {
  runStoreSuite('postgres', async () => {
    const store = await openPostgresStore({ connectionString: await server!.createDatabase() });
    return { store, cleanup: () => store.close() };
  });

  it('two gateway instances (two pools) append to one chain concurrently', async () => {
    const url = await server!.createDatabase();
    const a = await openPostgresStore({ connectionString: url });
    const b = await openPostgresStore({ connectionString: url });
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).audit.append(event({ id: `aud_${i}` }))));
    expect(await a.audit.verify()).toMatchObject({ ok: true, count: 60 });
    await a.close();
    await b.close();
  });

  // Outside probe, 2026-12-07: the cap on waiting drafts must hold across gateway instances.
  it('two gateway instances (two pools) drafting for one requester at once store exactly the cap', async () => {
    const url = await server!.createDatabase();
    const a = await openPostgresStore({ connectionString: url });
    const b = await openPostgresStore({ connectionString: url });
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? a : b).drafts.create(draft(`drf_${i}`), undefined, { perRequester: 7 }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(7);
      expect(await a.drafts.list({ status: 'awaiting_approval', limit: 100 })).toHaveLength(7);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a batch costs one statement while this instance wrote the head last; after another appends, it seals after them', async () => {
    const url = await server!.createDatabase();
    const a = await openPostgresStore({ connectionString: url });
    const b = await openPostgresStore({ connectionString: url });
    const { trips, stop } = headRoundTrips();
    try {
      await a.audit.append(event({ id: 'aud_1' })); // the head is not known yet: under the lock
      await a.audit.append(event({ id: 'aud_2' }));
      await a.audit.append(event({ id: 'aud_3' }));
      const b4 = await b.audit.append(event({ id: 'aud_4' }));
      const a5 = await a.audit.append(event({ id: 'aud_5' })); // a's head is stale: refused, then under the lock
      const a6 = await a.audit.append(event({ id: 'aud_6' }));
      expect(a5).toMatchObject({ seq: 5, prevHash: b4.hash });
      expect(a6).toMatchObject({ seq: 6, prevHash: a5.hash });
      expect(trips).toEqual([
        ...['BEGIN', 'statement', 'COMMIT'], // aud_1
        'statement', // aud_2
        'statement', // aud_3
        ...['BEGIN', 'statement', 'COMMIT'], // b's first, aud_4
        ...['statement', 'BEGIN', 'statement', 'COMMIT'], // aud_5
        'statement', // aud_6
      ]);
    } finally {
      stop();
    }
    expect(await a.audit.verify()).toMatchObject({ ok: true, count: 6 });
    await a.close();
    await b.close();
  });

  it('opens a log written before its key was recorded (0.1) only with the key its newest event was sealed with', async () => {
    // As on SQLite: before, the first instance to open it recorded whatever key it had, a missing
    // one included (a rolling upgrade with one instance lacking the key), for good.
    const url = await server!.createDatabase();
    const key = 'k'.repeat(32);
    const first = await openPostgresStore({ connectionString: url, auditKey: key });
    await first.audit.append(event({ id: 'aud_u1' }));
    await first.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query("DELETE FROM audit_meta WHERE name = 'key_check'");
      await expect(openPostgresStore({ connectionString: url })).rejects.toMatchObject({
        code: 'unavailable',
        detail: expect.stringMatching(/no record of its key .* does not check out without an audit key/),
      });
      expect((await admin.query('SELECT 1 FROM audit_meta')).rowCount).toBe(0);
      const right = await openPostgresStore({ connectionString: url, auditKey: key });
      await right.audit.append(event({ id: 'aud_u2' }));
      expect(await right.audit.verify()).toMatchObject({ ok: true, count: 2 });
      await right.close();
      expect((await admin.query("SELECT 1 FROM audit_meta WHERE name = 'key_check'")).rowCount).toBe(1);
    } finally {
      await admin.end();
    }
  });

  it('a capped draft create waits for its tenant’s lock even when its action has no tenant limit', async () => {
    // Taken only with a tenant limit, an action without one drafted beside one that has it, and
    // the tenant could end one over its limit (review, 2026-12-07).
    const url = await server!.createDatabase();
    const store = await openPostgresStore({ connectionString: url });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_advisory_lock(${lockKey(['t1'])})`);
      let done = false;
      const created = store.drafts.create(draft('drf_locked'), undefined, { perRequester: 50 }).then((r) => {
        done = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(done).toBe(false); // waiting on the tenant's lock
      await admin.query(`SELECT pg_advisory_unlock(${lockKey(['t1'])})`);
      expect(await created).toEqual({ created: true });
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it('commits a burst larger than one statement can carry, in statements of 1,000 events', async () => {
    // 2,500 appends in one turn were one statement of 67,500 parameters (the limit is 65,535):
    // PostgreSQL refused it as a protocol violation and all 2,500 calls failed.
    const store = await openPostgresStore({ connectionString: await server!.createDatabase() });
    const sizes: number[] = [];
    store.audit.onCommit((commit) => sizes.push(commit.events));
    try {
      const sealed = await Promise.all(
        Array.from({ length: 2_500 }, (_, i) => store.audit.append(event({ id: `aud_${i}` }))),
      );
      expect(sealed.map((e) => e.seq)).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
      expect(sizes).toEqual([1_000, 1_000, 500]);
      expect(await store.audit.verify()).toMatchObject({ ok: true, count: 2_500 });
    } finally {
      await store.close();
    }
  });

  it('verify names a row re-spelled with its hash intact (not_as_written), as on SQLite', async () => {
    const url = await server!.createDatabase();
    const store = await openPostgresStore({ connectionString: url });
    for (const id of ['aud_1', 'aud_2', 'aud_3']) await store.audit.append(event({ id }));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`UPDATE audit_events SET source_ids = '["\\u0073rc_1"]' WHERE seq = 2`);
      expect(await store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'not_as_written' });
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it('`toolgate audit` only reads: an older schema is not migrated, nothing can be written, exit 2 off-target', async () => {
    const url = await server!.createDatabase();
    const store = await openPostgresStore({ connectionString: url });
    for (const id of ['aud_1', 'aud_2', 'aud_3']) await store.audit.append(event({ id }));
    await store.close();
    // As a database from before migration 4: a newer CLI must not migrate it under its gateways.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const versions = async () =>
      (await admin.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map(
        (r) => r.version,
      );
    try {
      await admin.query('DROP TABLE console_sessions');
      await admin.query('DELETE FROM schema_migrations WHERE version = 4');
      const verified = await runCli(runAuditCommand, ['verify', '--db', url], {});
      expect(verified).toMatchObject({ code: 0, out: expect.stringContaining('ok: 3 events, chain intact') });
      expect(await versions()).toEqual([1, 2, 3, 5, 6, 7, 8]);
      // Its transactions are read-only: even an append through it is refused by the server.
      const reader = await openPostgresAuditReader(url);
      await expect((reader.audit as PgAuditLog).append(event({ id: 'aud_4' }))).rejects.toMatchObject({
        detail: expect.stringMatching(/read-only transaction/),
      });
      await reader.close();
      expect((await admin.query('SELECT count(*)::int AS n FROM audit_events')).rows[0]).toEqual({ n: 3 });
    } finally {
      await admin.end();
    }
    const empty = await runCli(runAuditCommand, ['verify', '--db', await server!.createDatabase()], {});
    expect(empty).toMatchObject({ code: 2, err: expect.stringContaining('has no Toolgate audit log') });
  });

  it('a database a newer Toolgate migrated still opens, and the store names what it does not know', async () => {
    const url = await server!.createDatabase();
    const first = await openPostgresStore({ connectionString: url });
    expect(first.newerSchema).toEqual([]);
    await first.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        99,
        'a later table',
        '2027-01-01T00:00:00.000Z',
      ]);
    } finally {
      await admin.end();
    }
    const store = await openPostgresStore({ connectionString: url });
    try {
      expect(store.newerSchema).toEqual([{ version: 99, name: 'a later table' }]);
      await store.ping(); // ready: nothing of its own is pending
      await store.audit.append(event({ id: 'aud_after' }));
      expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
    } finally {
      await store.close();
    }
  });

  it('takes a rate-limit token in one statement that agrees with takeToken, take by take', async () => {
    const store = await openPostgresStore({ connectionString: await server!.createDatabase() });
    let bucket = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 50 }),
          fc.integer({ min: 1, max: 6_000 }),
          fc.array(
            fc.record({
              // Negative: a take that arrived before the last one ran (its time read earlier, another
              // instance's take committed first); the bucket's clock must not go back on either side.
              advanceMs: fc.integer({ min: -3_000, max: 5_000 }),
              // Leases want whole numbers; a fraction is floored alike on both sides.
              want: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.double({ min: 1, max: 60, noNaN: true })),
            }),
            {
              minLength: 1,
              maxLength: 25,
            },
          ),
          async (capacity, perMinute, takes) => {
            const key = `bucket_${(bucket += 1)}`;
            const rule = { capacity, refillPerSecond: perMinute / 60 };
            let row: { tokens: number; updated_ms: number } | undefined;
            let now = 1_700_000_000_000;
            for (const { advanceMs, want } of takes) {
              now += advanceMs;
              const expected = takeToken(row, rule, now, want);
              row = { tokens: expected.tokens, updated_ms: expected.updatedMs };
              expect(await store.rateLimits.take(key, rule, now, want)).toEqual(expected.result);
            }
          },
        ),
        { numRuns: 40 },
      );
    } finally {
      await store.close();
    }
  });

  it('holds no more connections than TOOLGATE_DATABASE_POOL allows (it was fixed at 10)', async () => {
    const url = await server!.createDatabase();
    const connectionsTo = async (work: (store: Store) => Promise<unknown>, poolSize?: number) => {
      const store = await openStore({ database: url, databasePool: poolSize, leaseRateLimits: false });
      try {
        // Twenty at once: the pool opens a connection per waiting query, up to its size.
        await Promise.all(Array.from({ length: 20 }, () => work(store)));
        const watcher = new pg.Client({ connectionString: url });
        await watcher.connect();
        const { rows } = await watcher.query<{ n: string }>(
          'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        await watcher.end();
        return Number(rows[0]!.n);
      } finally {
        await store.close();
      }
    };
    const list = (store: Store) => store.drafts.list({ status: 'awaiting_approval', limit: 10 });
    expect(await connectionsTo(list, 3)).toBeLessThanOrEqual(3);
    expect(await connectionsTo(list)).toBeGreaterThan(3); // the default, 10, for comparison
  });

  it('a database that is down gives unavailable, not a crash', async () => {
    const store = await openPostgresStore({ connectionString: await server!.createDatabase() });
    await store.close();
    await expect(openPostgresStore({ connectionString: 'postgres://toolgate@127.0.0.1:9/none' })).rejects.toMatchObject(
      { code: 'unavailable' },
    );
  });
});

describe.skipIf(!bin)('two gateway instances on one PostgreSQL store', () => {
  it('share rate limits, drafts and the audit chain: a refund approved on both executes once', async () => {
    const { createGateway } = await import('../../src/gateway/create-gateway.js');
    const { agent, credentials, fixtureTools } = await import('../helpers/fixture-tools.js');
    const { startFakeRefundApi } = await import('../helpers/fake-refund-api.js');
    const { approver, refundAction, refundCredentials, requester } = await import('../helpers/refund-action.js');
    const api = await startFakeRefundApi();
    const url = await server!.createDatabase();
    const stores = [
      await openPostgresStore({ connectionString: url }),
      await openPostgresStore({ connectionString: url }),
    ];
    const [a, b] = stores.map((store) =>
      createGateway({
        tools: [...fixtureTools, refundAction(api.url)],
        store,
        credentials: {
          get: (n) => credentials.get(n) ?? refundCredentials.get(n),
          values: () => [...credentials.values(), ...refundCredentials.values()],
        },
      }),
    );
    const probe = (gw: typeof a) =>
      gw!.call({ tool: 'get_rate_probe', args: {}, principal: agent, client: 'c', surface: 'internal' });
    const first = await probe(a);
    expect(first.ok, first.text).toBe(true);
    const second = await probe(b);
    expect(!second.ok && second.error.code).toBe('rate_limited');

    const drafted = await a!.call({
      tool: 'create_refund_draft',
      args: { invoice_id: 'inv_1', amount_usd: 5, reason: 'double charge' },
      principal: requester,
      client: 'c',
      surface: 'internal',
    });
    const id = drafted.ok ? String(drafted.structured.draft_id) : '';
    const results = await Promise.allSettled([
      a!.actions.approve(id, approver('usr_a'), { reason: 'ok from A', surface: 'api' }),
      b!.actions.approve(id, approver('usr_b'), { reason: 'ok from B', surface: 'api' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(api.createRequests).toHaveLength(1);
    expect(await stores[0]!.audit.verify()).toMatchObject({ ok: true });
    for (const s of stores) await s.close();
    await api.close();
  });
});
