import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { AUDIT_META_KEY } from '../../src/surfaces/mcp/translate.js';
import { findPostgresBin, startThrowawayPostgres } from '../helpers/postgres.js';
import { AUDIT_KEY, callTool, startServeProcess } from './serve-process.js';

// Issue #13, fault injection: a gateway whose SQLite store sits on a full filesystem must fail
// calls closed (no result without its audit event), keep answering health checks, report not
// ready, and recover by itself once space is freed, with the chain intact.
const mountPoint = mkdtempSync(join(tmpdir(), 'toolgate-fault-full-'));
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'ignore' });
  mounted = true;
} catch {
  console.warn('\n⚠ SKIPPED full-filesystem fault test: cannot mount a tmpfs here (needs root)\n');
}
afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(!mounted)('a store on a full filesystem', () => {
  it('fails calls closed while full, stays up, and recovers when space is freed', async () => {
    const database = join(mountPoint, 'toolgate.db');
    const server = await startServeProcess({ TOOLGATE_DB: database, TOOLGATE_LOG_LEVEL: 'fatal' });
    const summary = (customer: string) =>
      callTool(server.url, 'get_customer_billing_summary', { customer_id: customer });
    const answered: string[] = [];
    const keep = (a: Awaited<ReturnType<typeof summary>>) => {
      const id = a.result?._meta?.[AUDIT_META_KEY];
      if (!a.result?.isError && typeof id === 'string') answered.push(id);
      return a;
    };
    try {
      expect(keep(await summary('cus_before')).result?.isError).toBeFalsy();

      const filler = join(mountPoint, 'filler');
      try {
        writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
      } catch {
        // ENOSPC: the filesystem is now full, which is the point
      }
      // Padded arguments make every audit row large, so the WAL must grow: no free pages to reuse.
      const pad = 'x'.repeat(900);
      const whileFull = [];
      for (let i = 0; i < 40; i++) whileFull.push(keep(await summary(`cus_${i}_${pad}`)));
      const failed = whileFull.filter((a) => a.result?.isError);
      expect(failed.length, 'the full disk never bit: no call failed').toBeGreaterThan(0);
      for (const a of failed) {
        const body = JSON.parse((a.result as { content: { text: string }[] }).content[0]!.text) as {
          error: { code: string; retryable: boolean; audit_id: unknown };
        };
        // Failed closed: a retryable "unavailable", no data, no audit id that points nowhere.
        expect(body.error).toMatchObject({ code: 'unavailable', retryable: true, audit_id: null });
        expect(a.result?.structuredContent).toBeUndefined();
      }
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

      rmSync(filler);
      expect(keep(await summary('cus_after')).result?.isError).toBeFalsy();
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(server.child.exitCode).toBe(0);

    const store = await openStore({ database, auditKey: AUDIT_KEY });
    try {
      for (const id of answered) expect(await store.audit.get(id), `answered call ${id} has no event`).not.toBeNull();
      expect(await store.audit.verify()).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  }, 60_000);
});

// The same on PostgreSQL: its data directory on a small tmpfs that is then filled. PostgreSQL
// cannot write WAL and stops; the gateway must fail calls closed (typed `unavailable`), stay up,
// report not ready, and carry on by itself once space is freed and the database is back.
const pgMount = mkdtempSync(join(tmpdir(), 'toolgate-fault-pgfull-'));
let pgMounted = false;
if (mounted) {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0777', 'tmpfs', pgMount], { stdio: 'ignore' });
    pgMounted = findPostgresBin() !== null;
    if (!pgMounted) execFileSync('umount', [pgMount]);
  } catch {
    pgMounted = false;
  }
}
if (mounted && !pgMounted) console.warn('\n⚠ SKIPPED PostgreSQL full-filesystem test: no PostgreSQL binaries\n');
afterAll(() => {
  if (pgMounted) execFileSync('umount', ['-l', pgMount]);
  rmSync(pgMount, { recursive: true, force: true });
});

describe.skipIf(!pgMounted)('a PostgreSQL store on a full filesystem', () => {
  it('fails calls closed while full, stays up, and recovers when space is back', async () => {
    const pg = (await startThrowawayPostgres({ dir: pgMount, walSegmentMb: 1 }))!;
    const database = await pg.createDatabase();
    const server = await startServeProcess({ TOOLGATE_DATABASE_URL: database, TOOLGATE_LOG_LEVEL: 'fatal' });
    const summary = (customer: string) =>
      callTool(server.url, 'get_customer_billing_summary', { customer_id: customer });
    const answered: string[] = [];
    const keep = (a: Awaited<ReturnType<typeof summary>>) => {
      const id = a.result?._meta?.[AUDIT_META_KEY];
      if (!a.result?.isError && typeof id === 'string') answered.push(id);
      return a;
    };
    const filler = join(pgMount, 'filler');
    try {
      expect(keep(await summary('cus_before')).result?.isError).toBeFalsy();
      try {
        writeFileSync(filler, Buffer.alloc(64 * 1024 * 1024));
      } catch {
        // ENOSPC: full, which is the point
      }
      const pad = 'x'.repeat(900);
      const whileFull = [];
      for (let i = 0; i < 400 && !whileFull.some((a) => a.result?.isError); i++)
        whileFull.push(keep(await summary(`cus_${i}_${pad}`)));
      for (let i = 0; i < 5; i++) whileFull.push(keep(await summary(`cus_more_${i}`)));
      const failed = whileFull.filter((a) => a.result?.isError);
      expect(failed.length, 'the full disk never bit: no call failed').toBeGreaterThan(0);
      for (const a of failed) {
        const body = JSON.parse((a.result as { content: { text: string }[] }).content[0]!.text) as {
          error: { code: string; retryable: boolean; audit_id: unknown };
        };
        expect(body.error).toMatchObject({ code: 'unavailable', retryable: true, audit_id: null });
        expect(a.result?.structuredContent).toBeUndefined();
      }
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

      rmSync(filler);
      pg.ensureRunning(); // an operator brings the database back; the gateway is not restarted
      let after: Awaited<ReturnType<typeof summary>> | undefined;
      for (let i = 0; i < 50 && (!after || after.result?.isError); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 200));
        after = keep(await summary('cus_after'));
      }
      expect(after?.result?.isError).toBeFalsy();
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
    const store = await openStore({ database, auditKey: AUDIT_KEY });
    try {
      for (const id of answered) expect(await store.audit.get(id), `answered call ${id} has no event`).not.toBeNull();
      expect(await store.audit.verify()).toMatchObject({ ok: true });
    } finally {
      await store.close();
      pg.stop();
    }
  }, 120_000);
});
