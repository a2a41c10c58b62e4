import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackupCommand } from '../../src/cli/backup.js';
import { runRestoreCommand } from '../../src/cli/restore.js';
import { openAuditSource } from '../../src/store/open-store.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { restoreSqliteCopy } from '../../src/store/sqlite/restore-copy.js';
import type { Store } from '../../src/store/types.js';
import { runCli } from '../helpers/capture-io.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { event } from '../store/suite.js';

/**
 * `toolgate restore COPY`: a backup put in place of a stopped gateway's database. Before it, the
 * README's manual steps were the restore, and missing one of them (deleting the replaced file's
 * -wal) silently turned the "restored" file back into the old one.
 */
let t: Awaited<ReturnType<typeof tempSqliteStore>>;
let dir: string;
beforeEach(async () => {
  t = await tempSqliteStore();
  dir = join(t.path, '..');
});
afterEach(async () => t.cleanup());

const restore = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(runRestoreCommand, args, env);
const backup = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(runBackupCommand, args, env);
const KEY = 'k'.repeat(32);

async function append(store: Store, prefix: string, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => store.audit.append(event({ id: `aud_${prefix}_${i}` }))));
}

async function logOf(path: string, key?: string) {
  const source = await openAuditSource({ database: path, auditKey: key });
  try {
    const report = await source.audit.verify();
    const last = await source.audit.query({ newestFirst: true, limit: 1 });
    return { report, last: last[0] };
  } finally {
    await source.close();
  }
}

/** `count` events in the gateway's log, then `toolgate backup` of it to copy.db. */
async function backedUp(count: number): Promise<string> {
  await append(t.store, 'before', count);
  const copy = join(dir, 'copy.db');
  expect((await backup([copy, '--db', t.path])).code).toBe(0);
  return copy;
}

/** The files in the test's directory, with `.replaced-<time>` shortened to `.replaced-*`. */
const filesIn = (path: string) =>
  readdirSync(path)
    .map((name) => name.replace(/\.replaced-[\dTZ-]+$/, '.replaced-*'))
    .sort();

describe('toolgate restore', () => {
  it('puts the copy in place, keeps the replaced database whole, and records the restore in the chain', async () => {
    const copy = await backedUp(30);
    await append(t.store, 'after', 20);
    const copyBytes = readFileSync(copy);
    // The gateway stops, leaving its WAL as a stop does; some of the 50 events may be only there.
    await t.store.close();

    const result = await restore([copy, '--db', t.path]);

    expect(result.code).toBe(0);
    // The copy's check is progress, on stderr: stdout says only what was restored.
    expect(result.err).toMatch(
      /^checking .*copy\.db…\nok: 30 events, chain intact, head 30:[0-9a-f]{64}\nrestoring .*copy\.db to .*toolgate\.db…\n$/,
    );
    expect(result.out).toMatch(
      /^restored .*toolgate\.db from .*copy\.db: 30 events, then event 31 recording the restore\nthe replaced database \(its log ended at event 50\) is kept at .*toolgate\.db\.replaced-[\dTZ-]+\n$/,
    );
    const restored = await logOf(t.path);
    expect(restored.report).toMatchObject({ ok: true, count: 31 });
    expect(restored.last).toMatchObject({
      seq: 31,
      kind: 'store.restored',
      surface: 'cli',
      actor: expect.any(String),
      reason: `restored from ${copy}`,
      data: { copy, replacedEnd: { seq: 50, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } },
    });
    // An anchor from before the restore no longer holds, as it should not; the failure says why.
    const before = (restored.last!.data as { replacedEnd: { seq: number; hash: string } }).replacedEnd;
    const source = await openAuditSource({ database: t.path });
    const anchored = await source.audit.verify(before).finally(() => source.close());
    expect(anchored).toMatchObject({ ok: false, problem: 'anchor_mismatch' });
    expect((anchored as { message: string }).message).toMatch(
      /the anchor recorded event 50: .* — but the log records a restore at event 31 \(.*\): the log it replaced ended at event 50 .*check the anchor against that file$/,
    );
    const keptAt = /kept at (.*)\n/.exec(result.out)![1]!;
    // Whole on its own: every event, with no -wal beside it to hold any of them.
    expect(await logOf(keptAt)).toMatchObject({ report: { ok: true, count: 50 } });
    expect(readFileSync(copy).equals(copyBytes)).toBe(true);
    expect(filesIn(dir)).toEqual(['copy.db', 'toolgate.db', 'toolgate.db-rates', 'toolgate.db.replaced-*']);

    // The gateway starts again on the restored log and carries its chain on.
    const gateway = await openSqliteStore({ path: t.path });
    expect(await gateway.audit.append(event({ id: 'aud_next' }))).toMatchObject({ seq: 32 });
    // Once the log grows past the anchor's event again, that event is another one: the same note.
    for (let i = 33; i <= 50; i++) await gateway.audit.append(event({ id: `aud_next_${i}` }));
    const rewritten = await gateway.audit.verify(before);
    expect((rewritten as { message: string }).message).toMatch(
      /^event 50 \(aud_next_50\) is not the event the anchor recorded: .* — but the log records a restore at event 31/,
    );
    await gateway.close();
    expect((await logOf(t.path)).report).toMatchObject({ ok: true, count: 50 });
  });

  it('refuses while a gateway has the database open, and changes nothing', async () => {
    const copy = await backedUp(5);
    await append(t.store, 'after', 5);
    const before = filesIn(dir);

    const result = await restore([copy, '--db', t.path]);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(
      /toolgate restore: .*toolgate\.db is open in another process \(a gateway still serving from it\?\); stop it first; .*toolgate\.db was not replaced\.\n$/,
    );
    expect(filesIn(dir)).toEqual(before);
    // The gateway goes on as if nothing happened.
    expect(await t.store.audit.append(event({ id: 'aud_more' }))).toMatchObject({ seq: 11 });
    expect(await t.store.audit.verify()).toMatchObject({ ok: true, count: 11 });
  });

  it('restores over a database a gateway left without closing (killed): the kept file still has every event', async () => {
    const copy = await backedUp(5);
    await append(t.store, 'after', 7);
    // The files as a kill -9 leaves them: the main file and a -wal holding the newest commits.
    const crashed = join(dir, 'crashed');
    mkdirSync(crashed);
    const database = join(crashed, 'toolgate.db');
    copyFileSync(t.path, database);
    copyFileSync(`${t.path}-wal`, `${database}-wal`);

    const result = await restore([copy, '--db', database]);

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/its log ended at event 12\)/);
    const keptAt = /kept at (.*)\n/.exec(result.out)![1]!;
    expect(await logOf(keptAt)).toMatchObject({ report: { ok: true, count: 12 } });
    expect(await logOf(database)).toMatchObject({ report: { ok: true, count: 6 } });
    expect(filesIn(crashed)).toEqual(['toolgate.db', 'toolgate.db.replaced-*']);
  });

  it('holds the database against every opener until the copy is in place', async () => {
    const copy = await backedUp(3);
    await t.store.close();
    const attempts: string[] = [];
    const tryRead = () => {
      const other = new Database(t.path, { timeout: 0 });
      try {
        other.prepare('SELECT count(*) FROM audit_events').get();
        attempts.push('read');
      } catch (error) {
        attempts.push((error as { code: string }).code);
      } finally {
        other.close();
      }
    };
    await restoreSqliteCopy(copy, t.path, async () => tryRead());
    tryRead();
    expect(attempts).toEqual(['SQLITE_BUSY', 'read']);
  });

  it('through a symbolic link: the file it names is replaced and kept, the link stays', async () => {
    const copy = await backedUp(4);
    await append(t.store, 'after', 2);
    await t.store.close();
    const link = join(dir, 'app.db');
    symlinkSync(t.path, link);

    const result = await restore([copy, '--db', link]);

    expect(result.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(await logOf(t.path)).toMatchObject({ report: { ok: true, count: 5 } });
    const keptAt = /kept at (.*)\n/.exec(result.out)![1]!;
    expect(keptAt.startsWith(`${t.path}.replaced-`)).toBe(true);
    expect(lstatSync(keptAt).isFile()).toBe(true);
    expect(await logOf(keptAt)).toMatchObject({ report: { ok: true, count: 6 } });
  });

  it('where there was no database, one created meanwhile (a gateway starting, another restore) is not replaced', async () => {
    const copy = await backedUp(2);
    const database = join(dir, 'new.db');
    const restoring = restoreSqliteCopy(copy, database, async () => writeFileSync(database, 'created meanwhile'));
    await expect(restoring).rejects.toThrow(/a database appeared at .*new\.db while restoring/);
    expect(readFileSync(database, 'utf8')).toBe('created meanwhile');
    expect(readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('a tampered copy: exit 1 from the check, nothing changed', async () => {
    const copy = await backedUp(5);
    const raw = new Database(copy);
    raw.prepare("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 3").run();
    raw.close();
    await t.store.close();
    const before = filesIn(dir);
    const database = readFileSync(t.path);

    const result = await restore([copy, '--db', t.path]);

    expect(result.code).toBe(1);
    expect(result.err).toMatch(/TAMPERED/);
    expect(result.err).toMatch(/toolgate restore: .*toolgate\.db was not replaced\.\n$/);
    expect(result.out).toBe(''); // before, the check's report went to stdout
    expect(filesIn(dir)).toEqual(before);
    expect(readFileSync(t.path).equals(database)).toBe(true);
  });

  it('the wrong audit key: refused by the check, and by the store with --no-verify; nothing changed either way', async () => {
    await t.store.close();
    const keyed = join(dir, 'keyed.db');
    const store = await openSqliteStore({ path: keyed, auditKey: KEY });
    await append(store, 'before', 3);
    const copy = join(dir, 'copy.db');
    expect((await backup([copy, '--db', keyed], { TOOLGATE_AUDIT_KEY: KEY })).code).toBe(0);
    await store.close();
    const before = filesIn(dir);

    const checked = await restore([copy, '--db', keyed], { TOOLGATE_AUDIT_KEY: 'w'.repeat(32) });
    expect(checked.code).toBe(2);
    expect(checked.err).toMatch(/not the key this audit log is written with[\s\S]*keyed\.db was not replaced\.\n$/);

    const unchecked = await restore([copy, '--db', keyed, '--no-verify'], { TOOLGATE_AUDIT_KEY: 'w'.repeat(32) });
    expect(unchecked.code).toBe(2);
    expect(unchecked.err).toMatch(/not the key this audit log is written with.*; .*keyed\.db was not replaced\.\n$/);
    // It names the database the copy was to become, not the staging file (gone by then), and
    // not the copy, which is left as it was.
    expect(unchecked.err).toContain(`no events are added to ${keyed} under another key`);
    expect(unchecked.err).not.toMatch(/partial/);
    expect(filesIn(dir)).toEqual(before);
    expect(await logOf(keyed, KEY)).toMatchObject({ report: { ok: true, count: 3 } });

    const right = await restore([copy, '--db', keyed], { TOOLGATE_AUDIT_KEY: KEY });
    expect(right.code).toBe(0);
    expect(await logOf(keyed, KEY)).toMatchObject({ report: { ok: true, count: 4 }, last: { kind: 'store.restored' } });
  });

  it('onto a machine with no database yet: the copy becomes it, nothing is kept', async () => {
    const copy = await backedUp(4);
    const fresh = join(dir, 'fresh', '.toolgate'); // not there yet, as on a new machine
    const database = join(fresh, 'toolgate.db');

    // Without --new, a path with nothing there is taken for a typo: refused, nothing made.
    const typo = await restore([copy, '--db', database]);
    expect(typo.code).toBe(2);
    expect(typo.err).toContain(`No database at ${database}. If this machine has none yet`);
    expect(existsSync(join(dir, 'fresh'))).toBe(false);

    const result = await restore([copy, '--db', database, '--new']);

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/: 4 events, then event 5 recording the restore\n$/);
    expect(result.out).not.toMatch(/replaced/);
    expect(filesIn(fresh)).toEqual(['toolgate.db']);
    expect(await logOf(database)).toMatchObject({
      report: { ok: true, count: 5 },
      last: { data: { replacedEnd: null } },
    });
    // A link to nothing: named as such, with or without --new (it said "pass --new", then failed).
    const dangling = join(dir, 'dangling.db');
    symlinkSync(join(dir, 'gone', 'toolgate.db'), dangling);
    for (const args of [
      [copy, '--db', dangling],
      [copy, '--db', dangling, '--new'],
    ]) {
      const linked = await restore(args);
      expect(linked.code).toBe(2);
      expect(linked.err).toContain(`is a symbolic link to ${join(dir, 'gone', 'toolgate.db')}, which does not exist`);
    }
    // --new where there is a database now: refused, it would be replaced.
    const again = await restore([copy, '--db', database, '--new']);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`--new, but there is a database at ${database}; leave out --new to replace it.`);
    expect(await logOf(database)).toMatchObject({ report: { ok: true, count: 5 } });
  });

  it('refuses what is not a copy to restore or not a database to replace, naming it', async () => {
    const copy = await backedUp(2);
    await t.store.close();
    const notToolgate = join(dir, 'other.db');
    new Database(notToolgate).exec('CREATE TABLE notes (text TEXT)');
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    // Not regular files: a FIFO would block the copy, and replacing one as the database replaces the node.
    const pipe = join(dir, 'pipe');
    execFileSync('mkfifo', [pipe]);

    const cases: [string[], RegExp][] = [
      [[], /Name the copy to restore \(COPY\)\./],
      [[copy, 'extra', '--db', t.path], /Unexpected argument "extra"\./],
      [[join(dir, 'nope.db'), '--db', t.path], /No file at .*nope\.db\./],
      [[dir, '--db', t.path], /is a directory; name the copy's file\./],
      [[t.path, '--db', t.path], /COPY is the database itself; name a copy made by `toolgate backup`\./],
      [[`${t.path}-rates`, '--db', t.path], /COPY is the database's -rates file/],
      [[copy, '--db', dir], /is a directory/],
      [[pipe, '--db', t.path], /pipe is not a regular file; name a copy made by `toolgate backup`\./],
      [[copy, '--db', pipe], /pipe is not a regular file; name the database file\./],
      [[copy, '--db', 'postgres://toolgate@127.0.0.1/x'], /PostgreSQL: restore it with pg_restore/],
    ];
    for (const [args, message] of cases) {
      const result = await restore(args);
      expect(result, args.join(' ')).toMatchObject({ code: 2, err: message });
      expect(result.err).toMatch(/Usage: toolgate restore COPY/);
    }
    // A PostgreSQL database named by the environment, where `serve` would find it.
    const fromEnv = await restore([copy], { TOOLGATE_DATABASE_URL: 'postgres://toolgate@127.0.0.1/x' });
    expect(fromEnv).toMatchObject({ code: 2, err: /PostgreSQL: restore it with pg_restore/ });
    // Not Toolgate's: a copy of something else is refused by the check; a database of something
    // else is not replaced.
    expect(await restore([notToolgate, '--db', t.path])).toMatchObject({ code: 2, err: /not a Toolgate database/ });
    const other = await restore([copy, '--db', notToolgate]);
    expect(other).toMatchObject({
      code: 2,
      err: /other\.db is not a Toolgate database \(it has no audit log\); .*other\.db was not replaced\./,
    });
    expect(await restore([join(dir, 'notes.txt'), '--db', t.path])).toMatchObject({ code: 2 });
    expect(filesIn(dir)).toEqual(['copy.db', 'notes.txt', 'other.db', 'pipe', 'toolgate.db', 'toolgate.db-rates']);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    expect(existsSync(`${t.path}.replaced`)).toBe(false);
  });
});
