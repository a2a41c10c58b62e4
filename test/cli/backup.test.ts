import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAuditCommand } from '../../src/cli/audit.js';
import { runBackupCommand } from '../../src/cli/backup.js';
import { openAuditSource } from '../../src/store/open-store.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { runCli } from '../helpers/capture-io.js';
import { replaceWhileLocked } from '../helpers/replace-while-locked.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { event } from '../store/suite.js';

/**
 * `toolgate backup`: a consistent copy of a live SQLite store, then its chain checked. Before it,
 * the README said "back up the database file", and a cp of a WAL database misses every event
 * not yet checkpointed (and is torn by a checkpoint during the copy).
 */
let t: Awaited<ReturnType<typeof tempSqliteStore>>;
let dir: string;
beforeEach(async () => {
  t = await tempSqliteStore();
  dir = join(t.path, '..');
});
afterEach(async () => t.cleanup());

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const backup = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(runBackupCommand, args, env);
const countIn = async (path: string, key?: string) => {
  const source = await openAuditSource({ database: path, auditKey: key });
  try {
    return await source.audit.verify();
  } finally {
    await source.close();
  }
};

async function append(store: Store, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => store.audit.append(event({ id }))));
}

describe('toolgate backup', () => {
  it('names the way out for a WAL-mode file where SQLite cannot make its -shm file, as `audit` does', async () => {
    await append(t.store, ['aud_1']);
    await t.store.close();
    // As on read-only media: the -shm file cannot be made (it points into nowhere). It said
    // "unable to open database file" (outside probe).
    symlinkSync(join(dir, 'missing', 'x.db-shm'), `${t.path}-shm`);
    const r = await backup([join(dir, 'copy.db'), '--db', t.path]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a WAL-mode SQLite database in a place SQLite cannot write its -shm file to');
    rmSync(`${t.path}-shm`);
  });

  it('copies a database a gateway is writing to: every event so far, including those still in the -wal file', async () => {
    const before = Array.from({ length: 2_000 }, (_, i) => `aud_before_${i}`);
    await append(t.store, before.slice(0, 50));
    // Not yet checkpointed: the main file alone (what cp copies) does not even have the tables yet.
    const mainFileOnly = join(dir, 'main-only.db');
    writeFileSync(mainFileOnly, readFileSync(t.path));
    const alone = new Database(mainFileOnly, { readonly: true });
    expect(() => alone.prepare('SELECT count(*) FROM audit_events').get()).toThrow(/no such table: audit_events/);
    alone.close();
    // Enough pages (~1 MB) that a copy made a step at a time would be restarted by every write.
    for (let i = 50; i < before.length; i += 250) await append(t.store, before.slice(i, i + 250));

    // The gateway goes on appending while the copy is made.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await append(t.store, [`aud_during_${i}`]);
    })();
    const dest = join(dir, 'copy.db');
    const result = await backup([dest, '--db', t.path]);
    writing = false;
    await writer;

    expect(result.code).toBe(0);
    expect(result.err).toMatch(
      /copying .*toolgate\.db \(\d+\.\d MB with its -wal\)…\ncopied to .*copy\.db \(\d+\.\d MB\) in \d+\.\d s\n/,
    );
    expect(result.out).toMatch(/^ok: \d+ events, chain intact, head \d+:[0-9a-f]{64}\n$/);
    const report = await countIn(dest);
    expect(report).toMatchObject({ ok: true });
    expect(report.count).toBeGreaterThanOrEqual(2_000);
    const copy = new Database(dest, { readonly: true });
    const ids = copy.prepare("SELECT id FROM audit_events WHERE id LIKE 'aud_before_%'").all();
    copy.close();
    expect(ids).toHaveLength(2_000);
    // Nothing left beside it but the copy itself (and the store's own files).
    expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('never overwrites by accident: an existing DEST is refused unless --force, and --force replaces it', async () => {
    await append(t.store, ['aud_1']);
    const dest = join(dir, 'taken.db');
    writeFileSync(dest, 'yesterday');
    const refused = await backup([dest, '--db', t.path]);
    expect(refused).toMatchObject({ code: 2, out: '' });
    expect(refused.err).toContain('taken.db exists; pass --force to replace it.');
    expect(readFileSync(dest, 'utf8')).toBe('yesterday');

    const forced = await backup([dest, '--db', t.path, '--force']);
    expect(forced.code).toBe(0);
    expect(await countIn(dest)).toMatchObject({ ok: true, count: 1 });
  });

  it('a copy of a changed log is made, and said to be TAMPERED (exit 1)', async () => {
    await append(t.store, ['aud_1', 'aud_2', 'aud_3']);
    const db = new Database(t.path);
    db.prepare("UPDATE audit_events SET outcome = 'denied' WHERE seq = 2").run();
    db.close();
    const dest = join(dir, 'evidence.db');
    const result = await backup([dest, '--db', t.path]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^TAMPERED at seq 2/);
    expect(existsSync(dest)).toBe(true); // kept: it is the evidence
  });

  it('an HMAC chain needs its key to be checked; --no-verify copies without it', async () => {
    const path = join(dir, 'keyed.db');
    const keyed = await openSqliteStore({ path, auditKey: 'k'.repeat(32) });
    await append(keyed, ['aud_1', 'aud_2']);
    await keyed.close();

    const noKey = await backup([join(dir, 'a.db'), '--db', path]);
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('toolgate backup: cannot check the chain'); // not "toolgate audit verify:"
    const withKey = await backup([join(dir, 'b.db'), '--db', path], { TOOLGATE_AUDIT_KEY: 'k'.repeat(32) });
    expect(withKey).toMatchObject({ code: 0, out: expect.stringMatching(/^ok: 2 events, chain intact/) });
    const unchecked = await backup([join(dir, 'c.db'), '--db', path, '--no-verify']);
    expect(unchecked).toMatchObject({ code: 0, out: '' });
    expect(await countIn(join(dir, 'c.db'), 'k'.repeat(32))).toMatchObject({ ok: true, count: 2 });
  });

  it('refuses what it cannot copy, with the reason, and writes nothing (exit 2)', async () => {
    symlinkSync(t.path, join(dir, 'link-to-db'));
    // Not a regular file: as root, `backup /dev/null --force` renamed the copy over /dev/null.
    const pipe = join(dir, 'pipe');
    execFileSync('mkfifo', [pipe]);
    const cases: [string[], RegExp][] = [
      [[], /Name the file to write the copy to \(DEST\)\./],
      [[join(dir, 'x.db'), 'y.db', '--db', t.path], /Unexpected argument "y\.db"\./],
      [[join(dir, 'x.db'), '--db', join(dir, 'nope.db')], /No Toolgate database at .*nope\.db/],
      [[join(dir, 'x.db'), '--db', 'postgres://u@db.internal/toolgate'], /back it up with pg_dump/],
      [[join(dir, 'no-such-dir', 'x.db'), '--db', t.path], /The directory .*no-such-dir does not exist\./],
      [[dir, '--db', t.path], /is a directory; name a file in it\./],
      [[t.path, '--db', t.path, '--force'], /DEST is the database itself; name a file of its own\./],
      [[`${t.path}-wal`, '--db', t.path, '--force'], /DEST is the database's -wal file/],
      [[`${t.path}-rates`, '--db', t.path, '--force'], /DEST is the database's -rates file/],
      [[join(dir, 'link-to-db'), '--db', t.path, '--force'], /DEST is the database itself/],
      [[pipe, '--db', t.path, '--force'], /pipe is not a regular file; name a file of its own\./],
    ];
    for (const [args, message] of cases) {
      const result = await backup(args);
      expect({ args, code: result.code, out: result.out }).toEqual({ args, code: 2, out: '' });
      expect(result.err).toMatch(message);
      expect(result.err).toContain('Usage: toolgate backup DEST');
    }
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
  });

  it('a file that is not a Toolgate database is named, and no copy is left behind', async () => {
    const other = join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)');
    mkdirSync(join(dir, 'out'));
    const result = await backup([join(dir, 'out', 'copy.db'), '--db', other]);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toContain('is not a Toolgate database (it has no audit log); ');
    // No -wal beside it, and no DEST before: said as it is (it said "with its -wal" and "left as it was").
    expect(result.err).toMatch(/copying .*other\.db \(\d+\.\d MB\)…\n/);
    expect(result.err).toMatch(/nothing was written to .*copy\.db\.\n$/);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });

  it('the copy is one self-contained file: checking it leaves no -wal or -shm beside it', async () => {
    await append(t.store, ['aud_1', 'aud_2']);
    mkdirSync(join(dir, 'out'));
    const dest = join(dir, 'out', 'copy.db');
    expect((await backup([dest, '--db', t.path])).code).toBe(0);
    expect((await runCli(runAuditCommand, ['verify', '--db', dest])).code).toBe(0);
    expect(readdirSync(join(dir, 'out'))).toEqual(['copy.db']);
    const copy = new Database(dest, { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();
  });

  it('--force onto a file with leftovers beside it: stale empty ones are removed, a -wal with data is refused', async () => {
    await append(t.store, ['aud_1', 'aud_2', 'aud_3']);
    // What older backups left beside themselves (an empty -wal, a -shm): they would shadow the copy.
    const dest = join(dir, 'old-backup.db');
    writeFileSync(dest, 'old');
    writeFileSync(`${dest}-wal`, '');
    writeFileSync(`${dest}-shm`, Buffer.alloc(32_768));
    const replaced = await backup([dest, '--db', t.path, '--force']);
    expect(replaced).toMatchObject({ code: 0, out: expect.stringMatching(/^ok: 3 events, chain intact/) });
    expect([existsSync(`${dest}-wal`), existsSync(`${dest}-shm`)]).toEqual([false, false]);

    // A -wal with data: a database in use, or left open by a crash. Replacing the file under it
    // would have SQLite apply that -wal to the copy at its next writable open.
    const live = await tempSqliteStore();
    try {
      await append(live.store, ['aud_x']);
      const refused = await backup([live.path, '--db', t.path, '--force']);
      expect(refused).toMatchObject({ code: 2, out: '' });
      expect(refused.err).toContain('has a -wal file with data beside it');
      expect(await live.store.audit.verify()).toMatchObject({ ok: true, count: 1 });
    } finally {
      await live.cleanup();
    }
  });

  it('partial files a killed backup left are removed; another run still copying keeps its own', async () => {
    await append(t.store, ['aud_1']);
    const dest = join(dir, 'nightly.db');
    const dead = `${dest}.partial-${2 ** 22 + 4321}`; // above Linux's pid_max default: no such process
    const running = `${dest}.partial-1`; // init: always running
    for (const file of [dead, `${dead}-journal`, running]) writeFileSync(file, 'partial');
    expect((await backup([dest, '--db', t.path])).code).toBe(0);
    expect([existsSync(dead), existsSync(`${dead}-journal`), existsSync(running)]).toEqual([false, false, true]);
  });

  it('SIGINT during the copy: the copy is abandoned, nothing partial is left, exit 2', async () => {
    // ~40 MB, so the copy step runs long enough to be interrupted.
    await append(t.store, ['aud_1']);
    const db = new Database(t.path);
    const row = db.prepare(
      'INSERT INTO audit_events (seq, id, time, kind, surface, client, actor, tenant, tool, decision, reason, outcome, input_summary, result_bytes, result_tokens, source_ids, latency_ms, prev_hash, hash) ' +
        "VALUES (?, ?, '2026-01-01T00:00:00Z', 'tool_call', 'x', 'x', 'x', 'x', 'x', 'allow', ?, 'ok', '{}', 0, 0, '[]', 0, 'x', 'x')",
    );
    db.transaction(() => {
      for (let i = 0; i < 40_000; i++) row.run(1_000 + i, `aud_bulk_${i}`, 'r'.repeat(1_000));
    })();
    db.close();
    const dest = join(dir, 'interrupted.db');
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'backup', dest, '--db', t.path, '--no-verify'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      // Printed once signals are held, as the copy starts: the signal lands while it runs.
      if (err.includes('copying ') && !sent) sent = child.kill('SIGINT');
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect({ code, err }).toMatchObject({ code: 2, err: expect.stringContaining('interrupted (SIGINT)') });
    expect(readdirSync(dir).filter((name) => name.startsWith('interrupted'))).toEqual([]);
  });

  it('SIGINT once the copy step is writing: still abandoned, exit 2 (it was held until the backup had finished)', async () => {
    // The signal above lands before the copy step starts. This one waits until the partial file
    // has pages in it: the one blocking step is running, and no JavaScript runs until it ends.
    await append(t.store, ['aud_1']);
    const db = new Database(t.path);
    db.exec(
      'CREATE TABLE ballast (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) INSERT INTO ballast SELECT zeroblob(4000) FROM n;',
    ); // ~160 MB
    db.close();
    const dest = join(dir, 'midcopy.db');
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'backup', dest, '--db', t.path, '--no-verify'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const writing = setInterval(() => {
      const partial = readdirSync(dir).find(
        (name) => name.startsWith('midcopy.db.partial-') && !name.includes('-journal'),
      );
      if (partial && statSync(join(dir, partial)).size > 0) {
        clearInterval(writing);
        child.kill('SIGINT');
      }
    }, 1);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearInterval(writing);
    expect({ code, err }).toMatchObject({ code: 2, err: expect.stringContaining('interrupted (SIGINT)') });
    expect(readdirSync(dir).filter((name) => name.startsWith('midcopy'))).toEqual([]);
  }, 60_000);
});

describe('toolgate backup while a restore replaces the database', () => {
  it('fails and says so, rather than copying the file from before the restore', async () => {
    await append(t.store, ['aud_before_restore']);
    await t.store.close();
    const other = await tempSqliteStore();
    await append(other.store, ['aud_restored']);
    await other.store.close();
    const holder = await replaceWhileLocked(t.path, other.path);
    // The copy opens the file, then waits for the lock (a busy wait inside SQLite) until the
    // holder has replaced it; it would then copy the file it opened, the one replaced.
    const dest = join(dir, 'during-restore.db');
    const result = await backup([dest, '--db', t.path]);
    expect(await holder.done).toEqual({ replaced: true });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /was replaced \(by `toolgate restore`\?\) while it was being copied; run the backup again/,
    );
    expect(existsSync(dest)).toBe(false);
    // Run again, it copies the restored database.
    expect((await backup([dest, '--db', t.path])).code).toBe(0);
    expect(await countIn(dest)).toMatchObject({ ok: true, count: 1 });
    const copy = new Database(dest, { readonly: true });
    expect(copy.prepare('SELECT id FROM audit_events').all()).toEqual([{ id: 'aud_restored' }]);
    copy.close();
    await other.cleanup();
  });
});
