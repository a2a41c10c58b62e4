import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditCommand } from '../../src/cli/audit.js';
import { createPool, transaction } from '../../src/store/postgres/connection.js';
import type { PgAuditLog } from '../../src/store/postgres/audit-log.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { runCli } from '../helpers/capture-io.js';
import { headRoundTrips } from '../helpers/pg-round-trips.js';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { event } from './suite.js';

/**
 * What a PostgreSQL store does when its server misbehaves under it: a connection ended while in
 * use, a COMMIT whose answer never comes back, and a verify that runs while gateways append.
 */
const bin = findPostgresBin();
let server: ThrowawayPostgres | null = null;
beforeAll(async () => {
  if (bin) server = await startThrowawayPostgres();
}, 60_000);
afterAll(() => server?.stop());

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * A TCP relay to PostgreSQL that can misbehave on cue:
 * - `partition(true)`: no bytes pass either way on any connection (a partition) until `partition(false)`;
 * - `arm(marker)`: the next message holding `marker` (a COMMIT, or an autocommit statement) is
 *   passed on, then both ends are cut: the server commits, the answer is lost. With
 *   `thenPartition`, the partition starts at that moment too, so a lookup cannot reach the server.
 */
async function faultyRelay(target: string): Promise<{
  url: string;
  arm(marker: string, thenPartition?: boolean): void;
  partition(on: boolean): void;
  /** A restart: every connection cut, and new ones cut at once, until `down(false)`. */
  down(on: boolean): void;
  close(): void;
}> {
  const { hostname, port, pathname, username } = new URL(target);
  let armed: Buffer | null = null;
  let partitionAfterCut = false;
  let partitioned = false;
  let isDown = false;
  const sockets = new Set<Socket>();
  const relay: Server = createServer((client) => {
    if (isDown) return void client.destroy();
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let cut = false;
    client.on('data', (data: Buffer) => {
      if (partitioned) return;
      upstream.write(data);
      if (armed && data.includes(armed)) {
        armed = null;
        partitioned = partitionAfterCut;
        cut = true; // the server commits; its answer is never passed back
        setTimeout(() => (client.destroy(), upstream.destroy()), 200);
      }
    });
    upstream.on('data', (data: Buffer) => void (cut || partitioned || client.write(data)));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayPort = (relay.address() as AddressInfo).port;
  return {
    url: `postgres://${username}@127.0.0.1:${relayPort}${pathname}`,
    arm: (marker, thenPartition = false) => {
      armed = Buffer.from(marker);
      partitionAfterCut = thenPartition;
    },
    partition: (on) => (partitioned = on),
    down: (on) => {
      isDown = on;
      if (on) for (const socket of sockets) socket.destroy();
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      relay.close();
    },
  };
}

describe.skipIf(!bin)('postgres store faults', () => {
  it('a gateway with another audit key than the log was sealed with is refused at open; verify names the key', async () => {
    const url = await server!.createDatabase();
    const first = await openPostgresStore({ connectionString: url, auditKey: 'a'.repeat(32) });
    await first.audit.append(event({ id: 'aud_a' }));
    await first.close();
    await expect(openPostgresStore({ connectionString: url, auditKey: 'b'.repeat(32) })).rejects.toMatchObject({
      code: 'unavailable',
      detail: expect.stringMatching(/not the key this audit log is written with/),
    });
    await expect(openPostgresStore({ connectionString: url })).rejects.toMatchObject({ code: 'unavailable' });
    const wrong = await runCli(runAuditCommand, ['verify', '--db', url], { TOOLGATE_AUDIT_KEY: 'b'.repeat(32) });
    expect(wrong).toMatchObject({ code: 2, err: /not the key this audit log is written with/ });
    const right = await runCli(runAuditCommand, ['verify', '--db', url], { TOOLGATE_AUDIT_KEY: 'a'.repeat(32) });
    expect(right).toMatchObject({ code: 0, out: /ok: 1 events/ });
  });

  it('a server that accepts and never answers fails the open after the connect deadline, not never', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const opened = openPostgresStore({
        connectionString: `postgres://toolgate@127.0.0.1:${port}/none`,
        timeouts: { connectMs: 300, queryMs: 500 },
      });
      await expect(opened).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      silent.close();
    }
  });

  it('readiness says not ready while the audit tables are locked against writers, and ready once they are not', async () => {
    // It wrote only its own table: ready in 30 ms while every call waited and failed (outside probe).
    const url = await server!.createDatabase();
    const store = await openPostgresStore({ connectionString: url });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await store.ping();
      await other.query('BEGIN; LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
      await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
      await other.query('COMMIT');
      await store.ping();
      // Appends in flight do not make it unready: their locks do not conflict with its own.
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => store.audit.append(event({ id: `aud_r${i}` }))),
        store.ping(),
      ]);
    } finally {
      await other.end();
      await store.close();
    }
  });

  it('a database that cannot be reached says "connect to PostgreSQL", not "migrate"', async () => {
    const url = new URL(await server!.createDatabase());
    url.pathname = '/no_such_database';
    const failure = await openPostgresStore({ connectionString: url.toString() }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'unavailable' });
    expect((failure as { detail?: string }).detail).toMatch(
      /^connect to PostgreSQL: database "no_such_database" does not exist/,
    );
  });

  it('export --follow waits out a restart (one line when it goes, one when it is back) and goes on', async () => {
    // It ended with exit 2 at the first failed poll: a pipe into a log shipper died at every
    // failover (outside probe).
    const url = await server!.createDatabase();
    const store = await openPostgresStore({ connectionString: url });
    const relay = await faultyRelay(url);
    try {
      await store.audit.append(event({ id: 'aud_before_restart' }));
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', CLI, 'audit', 'export', '--follow', '--db', relay.url],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const until = async (done: () => boolean) => {
        for (let i = 0; i < 200 && !done() && child.exitCode === null; i++) await wait(50);
      };
      await until(() => out.includes('aud_before_restart'));
      relay.down(true);
      await until(() => err.includes('trying again until it is back'));
      await store.audit.append(event({ id: 'aud_during_restart' }));
      relay.down(false);
      await until(() => out.includes('aud_during_restart') && err.includes('the database is back'));
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect({ code, err }).toMatchObject({ code: 0, err: expect.stringContaining('the database is back') });
      expect(out).toContain('aud_during_restart');
    } finally {
      relay.close();
      await store.close();
    }
  }, 30_000);

  it("waiting for another instance's migration outlasts the query deadline: the open waits, then migrates", async () => {
    // The client's query_timeout ended the wait (and any slow migration) with "Query read
    // timeout" at every start, the migration rolled back each time (outside probe).
    const url = await server!.createDatabase();
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('BEGIN; SELECT pg_advisory_xact_lock(727365)'); // another instance, migrating
    // queryMs 1,500 as the neighbouring tests (500 left the statements after it 1 ms; review).
    const opened = openPostgresStore({ connectionString: url, timeouts: { connectMs: 5_000, queryMs: 1_500 } });
    const early = await Promise.race([
      opened.then(
        () => 'opened',
        () => 'failed',
      ),
      wait(3_500).then(() => 'waiting'),
    ]);
    expect(early).toBe('waiting'); // two query deadlines in, still waiting for the lock
    await other.query('COMMIT');
    await other.end();
    const store = await opened;
    await store.audit.append(event({ id: 'aud_after_wait' }));
    expect(await store.audit.get('aud_after_wait')).toMatchObject({ seq: 1 });
    await store.close();
  }, 20_000);

  it('a partition mid-run: calls and readiness are unavailable after the query deadline, close() returns, and it recovers', async () => {
    const url = await server!.createDatabase();
    const relay = await faultyRelay(url);
    // Deadlines short enough for a test, long enough for a busy machine's normal round trip.
    const store = await openPostgresStore({
      connectionString: relay.url,
      timeouts: { connectMs: 5_000, queryMs: 1_500 },
    });
    try {
      await store.audit.append(event({ id: 'aud_before' }));
      relay.partition(true);
      // Before: no deadline at all, so each of these hung until the network came back.
      await expect(store.audit.append(event({ id: 'aud_during' }))).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
      relay.partition(false);
      await store.audit.append(event({ id: 'aud_after' }));
      const direct = await openPostgresStore({ connectionString: url });
      expect((await direct.audit.query({ limit: 10 })).map((e) => e.id).sort()).toEqual(['aud_after', 'aud_before']);
      await direct.close();
    } finally {
      relay.partition(true);
      const closing = store.close().then(() => 'closed');
      expect(await Promise.race([closing, wait(5_000).then(() => 'hung')])).toBe('closed');
      relay.close();
    }
  });

  it('a transaction whose reply never came is not rolled back over the same dead connection (that waited the deadline twice)', async () => {
    const url = await server!.createDatabase();
    const relay = await faultyRelay(url);
    const pool = createPool(relay.url, { max: 1, timeouts: { connectMs: 5_000, queryMs: 1_500 } });
    const sent: string[] = [];
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        sent.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
        return query(...args);
      };
    });
    try {
      await transaction(pool, 'warm', (client) => client.query('SELECT 1'));
      relay.partition(true);
      sent.length = 0;
      await expect(transaction(pool, 'during', (client) => client.query('SELECT 1'))).rejects.toMatchObject({
        code: 'unavailable',
      });
      expect(sent).toEqual(['BEGIN']); // its reply never came; no ROLLBACK after the read timeout
    } finally {
      relay.close();
      await pool.end().catch(() => undefined);
    }
  });

  it('a connection ended while it waits (restart, failover, terminate) is unavailable, not a crash', async () => {
    const url = await server!.createDatabase();
    const store = await openPostgresStore({ connectionString: url });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await store.audit.append(event({ id: 'aud_before' }));
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM audit_head FOR UPDATE'); // the append below waits on this
      const waiting = store.audit.append(event({ id: 'aud_waiting' })).then(
        () => 'stored',
        (error: { code?: string }) => error.code,
      );
      let pids: number[] = [];
      for (let i = 0; i < 100 && pids.length === 0; i++) {
        await wait(50);
        const sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
        pids = (await admin.query<{ pid: number }>(sql)).rows.map((r) => r.pid);
      }
      expect(pids).toHaveLength(1);
      // Before, the checked-out client's 'error' event had no listener: an uncaught exception
      // that ended the process (vitest fails this test on it).
      await admin.query('SELECT pg_terminate_backend($1)', [pids[0]]);
      expect(await waiting).toBe('unavailable');
      await holder.query('ROLLBACK');
      await wait(100);
      await store.audit.append(event({ id: 'aud_after' })); // the pool goes on with a new connection
      expect(await store.audit.verify()).toMatchObject({ ok: true, count: 2 });
    } finally {
      await holder.end();
      await admin.end();
      await store.close();
    }
  });

  it('a COMMIT that landed but whose answer was lost answers its callers with what was stored', async () => {
    const url = await server!.createDatabase();
    const cutter = await faultyRelay(url);
    const store = await openPostgresStore({ connectionString: cutter.url });
    const appendAll = (ids: string[]) =>
      Promise.allSettled(ids.map((id) => store.audit.append(event({ id })))).then((results) =>
        results.map((r) => (r.status === 'fulfilled' ? r.value.id : r.reason)),
      );
    try {
      // The store's first batch goes under the head's lock: BEGIN, the rows, COMMIT.
      cutter.arm('COMMIT\0');
      // Before: all three rejected as `conflict` (retried, refused as duplicate ids) though stored.
      expect(await appendAll(['aud_1', 'aud_2', 'aud_3'])).toEqual(['aud_1', 'aud_2', 'aud_3']);
      await store.audit.append(event({ id: 'aud_4' })); // the head is known again
      // Now a batch is one autocommit statement that moves the head: lose its answer.
      cutter.arm('audit_head');
      expect(await appendAll(['aud_5', 'aud_6'])).toEqual(['aud_5', 'aud_6']);
      const after = await store.audit.append(event({ id: 'aud_7' }));
      expect(after.seq).toBe(7);
      const direct = await openPostgresStore({ connectionString: url });
      expect(await direct.audit.verify()).toMatchObject({ ok: true, count: 7 });
      await direct.close();
    } finally {
      await store.close();
      cutter.close();
    }
  });

  it('a commit that landed while the server went away, answered as failed, is followed by a note once it is back', async () => {
    const url = await server!.createDatabase();
    const cutter = await faultyRelay(url);
    const store = await openPostgresStore({
      connectionString: cutter.url,
      timeouts: { connectMs: 1_000, queryMs: 1_500 },
    });
    try {
      await store.audit.append(event({ id: 'aud_1' }));
      await store.audit.append(event({ id: 'aud_2' })); // the head is known: one statement a batch
      // The statement commits, its answer is lost, and the lookup cannot reach the server either.
      cutter.arm('audit_head', true);
      await expect(store.audit.append(event({ id: 'aud_3', requestId: 'req_3' }))).rejects.toMatchObject({
        code: 'unavailable',
      });
      cutter.partition(false);
      await store.audit.append(event({ id: 'aud_4' }));
      await (store.audit as PgAuditLog).settle();
    } finally {
      await store.close();
      cutter.close();
    }
    const direct = await openPostgresStore({ connectionString: url });
    expect(await direct.audit.verify()).toMatchObject({ ok: true, count: 5 });
    const events = await direct.audit.query({ limit: 10 });
    expect(events.map((e) => e.kind)).toEqual([
      'tool_call',
      'tool_call',
      'tool_call',
      'tool_call',
      'audit.answer_lost',
    ]);
    // Before: aud_3 said `ok` and nothing said its caller was told the call failed.
    expect(events[4]).toMatchObject({
      requestId: 'req_3',
      outcome: 'error',
      errorCode: 'unavailable',
      sourceIds: ['aud_3'],
      data: { event: 'aud_3', seq: 3 },
      reason: expect.stringMatching(/^event aud_3 \(seq 3\) was stored, but its commit's answer was lost/),
    });
    expect(await direct.audit.query({ sourceId: 'aud_3' })).toHaveLength(1);
    await direct.close();
  });

  it('a head lock held past the lock timeout fails the waiting batch once, not once more per event', async () => {
    const url = await server!.createDatabase();
    const store = await openPostgresStore({ connectionString: url, timeouts: { connectMs: 5_000, queryMs: 1_500 } });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    const { trips, stop } = headRoundTrips();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM audit_head FOR UPDATE');
      const results = await Promise.allSettled(
        ['aud_1', 'aud_2', 'aud_3', 'aud_4'].map((id) => store.audit.append(event({ id }))),
      );
      expect(results.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code)).toEqual(
        Array(4).fill('unavailable'),
      );
      // Before: the batch's lock timeout was taken for a lost answer, then each event was tried
      // alone and waited out the same lock again: four events, five waits.
      expect(trips.filter((trip) => trip === 'BEGIN')).toHaveLength(1);
    } finally {
      stop();
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await store.audit.append(event({ id: 'aud_after' }));
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
    await store.close();
  });

  it('a gateway that stops mid-transaction (frozen, stopped) holding the head is cut off; the others go on', async () => {
    const url = await server!.createDatabase();
    const timeouts = { connectMs: 5_000, queryMs: 1_500 }; // a statement may wait 0.5 s; idle in transaction 0.2 s
    const store = await openPostgresStore({ connectionString: url, timeouts });
    // The frozen instance: a connection with the gateway's settings that took the head's lock
    // and then sends nothing, as a process stopped between BEGIN and its next statement.
    const frozen = createPool(url, { max: 1, timeouts });
    const held = await frozen.connect();
    held.on('error', () => undefined); // the server ends its session: expected here
    try {
      await held.query('BEGIN; SELECT * FROM audit_head FOR UPDATE');
      // Before: this waited for the lock until lock_timeout and failed, for as long as the holder slept.
      expect(await store.audit.append(event({ id: 'aud_1' }))).toMatchObject({ seq: 1 });
      await expect(held.query('SELECT 1')).rejects.toThrow(/connection error|terminat|idle-in-transaction/i); // its session was ended
    } finally {
      held.release(true);
      await frozen.end();
    }
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
    await store.close();
  });

  it('verify reads one snapshot: a log appended to meanwhile checks out, never TAMPERED', async () => {
    const url = await server!.createDatabase();
    const writer = await openPostgresStore({ connectionString: url });
    const checker = await openPostgresStore({ connectionString: url });
    let stop = false;
    let n = 0;
    const load = (async () => {
      while (!stop)
        await Promise.all(Array.from({ length: 8 }, () => writer.audit.append(event({ id: `aud_${++n}` }))));
    })();
    try {
      while (n < 100) await wait(10);
      // Before, the head was read first and the pages after, so rows appended in between made
      // verify report head_mismatch (exit 1 from the CLI) while the chain was intact.
      for (let i = 0; i < 5; i++) expect(await checker.audit.verify()).toMatchObject({ ok: true });
    } finally {
      stop = true;
      await load;
      await writer.close();
      await checker.close();
    }
  });
});
