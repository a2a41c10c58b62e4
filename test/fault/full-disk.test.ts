import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { AUDIT_META_KEY } from '../../src/surfaces/mcp/translate.js';
import { findPostgresBin, startThrowawayPostgres } from '../helpers/postgres.js';
import { AUDIT_KEY, callTool, startServeProcess } from './serve-process.js';

// Issue #13, fault injection: a gateway whose store sits on a full filesystem must fail calls
// closed (no result without its audit event), keep answering health checks, report not ready, and
// recover by itself once space is freed, with the chain intact — on SQLite and on PostgreSQL.
function mountTmpfs(size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-fault-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
}
const sqliteMount = mountTmpfs('2m');
const pgMount = sqliteMount && findPostgresBin() ? mountTmpfs('64m') : null;
if (!sqliteMount) console.warn('\n⚠ SKIPPED full-filesystem fault tests: cannot mount a tmpfs here (needs root)\n');
else if (!pgMount) console.warn('\n⚠ SKIPPED PostgreSQL full-filesystem test: no PostgreSQL binaries\n');
afterAll(() => {
  for (const dir of [sqliteMount, pgMount]) {
    if (!dir) continue;
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Calls through a full disk and back: `fill` takes the space, `free` gives it back (and brings the
 * database up again if it stopped). Every answered call's audit event must be in the store after.
 */
async function throughAFullDisk(options: {
  readonly env: Record<string, string>;
  readonly database: string;
  readonly fill: () => void;
  readonly free: () => void;
}) {
  const server = await startServeProcess({ ...options.env, TOOLGATE_LOG_LEVEL: 'fatal' });
  const answered: string[] = [];
  const summary = async (customer: string) => {
    const answer = await callTool(server.url, 'get_customer_billing_summary', { customer_id: customer });
    const id = answer.result?._meta?.[AUDIT_META_KEY];
    if (!answer.result?.isError && typeof id === 'string') answered.push(id);
    return answer;
  };
  try {
    expect((await summary('cus_before')).result?.isError).toBeFalsy();
    options.fill();
    // Padded arguments make every audit row large, so the log must grow: no free pages to reuse.
    const pad = 'x'.repeat(900);
    const whileFull: Awaited<ReturnType<typeof summary>>[] = [];
    for (let i = 0; i < 400 && !whileFull.some((a) => a.result?.isError); i++)
      whileFull.push(await summary(`cus_${i}_${pad}`));
    for (let i = 0; i < 5; i++) whileFull.push(await summary(`cus_more_${i}_${pad}`));
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

    options.free(); // the gateway itself is not restarted
    let after = await summary('cus_after');
    for (let i = 0; i < 50 && after.result?.isError; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = await summary('cus_after');
    }
    expect(after.result?.isError).toBeFalsy();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  } finally {
    await server.stop();
  }
  expect(server.child.exitCode).toBe(0);

  const store = await openStore({ database: options.database, auditKey: AUDIT_KEY });
  try {
    for (const id of answered) expect(await store.audit.get(id), `answered call ${id} has no event`).not.toBeNull();
    expect(await store.audit.verify()).toMatchObject({ ok: true });
  } finally {
    await store.close();
  }
}

/** Fills a filesystem to the last byte (ENOSPC is the point). */
function fillUp(file: string, bytes: number): void {
  try {
    writeFileSync(file, Buffer.alloc(bytes));
  } catch {
    // full
  }
}

describe.skipIf(!sqliteMount)('a store on a full filesystem', () => {
  it('SQLite: fails calls closed while full, stays up, and recovers when space is freed', async () => {
    const database = join(sqliteMount!, 'toolgate.db');
    const filler = join(sqliteMount!, 'filler');
    await throughAFullDisk({
      env: { TOOLGATE_DB: database },
      database,
      fill: () => fillUp(filler, 4 * 1024 * 1024),
      free: () => rmSync(filler),
    });
  }, 60_000);

  // PostgreSQL cannot write its WAL and shuts down; an operator frees space and starts it again.
  it.skipIf(!pgMount)(
    'PostgreSQL: the same, and the gateway carries on once the database is back',
    async () => {
      const pg = (await startThrowawayPostgres({ dir: pgMount!, walSegmentMb: 1 }))!;
      const filler = join(pgMount!, 'filler');
      try {
        const database = await pg.createDatabase();
        await throughAFullDisk({
          env: { TOOLGATE_DATABASE_URL: database },
          database,
          fill: () => fillUp(filler, 64 * 1024 * 1024),
          free: () => {
            rmSync(filler);
            pg.ensureRunning();
          },
        });
      } finally {
        pg.stop();
      }
    },
    120_000,
  );
});
