import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashEvent } from '../../src/audit/chain.js';
import { runAuditCommand } from '../../src/cli/audit.js';
import type { AuditSource } from '../../src/store/open-store.js';
import { openSqliteAuditReader, whyUnreadable } from '../../src/store/sqlite/audit-reader.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { runCli } from '../helpers/capture-io.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { event } from '../store/suite.js';

let path: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  const t = await tempSqliteStore();
  ({ path, cleanup } = t);
  for (let i = 1; i <= 30; i++) {
    await t.store.audit.append(
      event({
        id: `aud_${i}`,
        actor: i % 2 ? 'alice' : 'bob',
        tool: i % 3 ? 'get_customer_billing_summary' : 'search_support_ticket',
        tenant: 'acme',
        outcome: i % 5 ? 'ok' : 'denied',
        ...(i % 10 === 0 ? { kind: 'action.rejected' } : {}),
        time: new Date(Date.UTC(2026, 5, 1, 0, i)).toISOString(),
        ...(i % 7 === 0 ? { subject: 'idp|carol', issuer: 'https://idp.example' } : {}),
      }),
    );
  }
  await t.store.close();
});
afterEach(async () => cleanup());

const cli = (...args: string[]) => runCli(runAuditCommand, args, { TOOLGATE_DB: path });
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * `audit export ARGS` in its own process, sent SIGINT at its first progress line (10,000 events
 * written, the rest of a long log still to come): its exit code and stderr.
 */
async function exportStoppedAtFirstProgress(args: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'audit', 'export', ...args, '--db', path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let sent = false;
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (err.includes('exported 10000 events') && !sent) sent = child.kill('SIGINT');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, err };
}

/** `audit export` to a pipe in its own process: the lines it wrote to stdout, and its stderr. */
async function exportToPipe(): Promise<{ code: number | null; lines: number; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'audit', 'export', '--db', path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let lines = 0;
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (lines += chunk.toString().split('\n').length - 1));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, lines, err };
}

/** `count` rows of the same shape as an event (the chain is not checked by export), for a long export. */
function bulkRows(count: number): void {
  const db = new Database(path);
  const row = db.prepare(
    'INSERT INTO audit_events (seq, id, time, kind, surface, client, actor, tenant, tool, decision, reason, outcome, input_summary, result_bytes, result_tokens, source_ids, latency_ms, prev_hash, hash) ' +
      "VALUES (?, ?, '2026-07-01T00:00:00Z', 'tool_call', 'x', 'x', 'x', 'x', 'x', 'allow', 'r', 'ok', '{}', 0, 0, '[]', 0, 'x', 'x')",
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) row.run(1_000 + i, `aud_bulk_${i}`);
  })();
  db.close();
}
/** The output's lines, one per event. */
const linesOf = (out: string) => out.trim().split('\n');

describe('toolgate audit', () => {
  it("reads the config's database, as serve and approvals do, unless --db or the environment names one", async () => {
    const config = join(dirname(path), 'toolgate.config.mjs');
    writeFileSync(config, `export default { tools: [], database: ${JSON.stringify(path)} };\n`);
    // Before: the config was ignored, so this said "No Toolgate database at .toolgate/toolgate.db".
    const viaFlag = await runCli(runAuditCommand, ['verify', '--config', config], {});
    expect(viaFlag).toMatchObject({ code: 0, out: expect.stringContaining('ok: 30 events') });
    const viaEnv = await runCli(runAuditCommand, ['verify'], { TOOLGATE_CONFIG: config });
    expect(viaEnv).toMatchObject({ code: 0, out: expect.stringContaining('ok: 30 events') });
    const overridden = await runCli(runAuditCommand, ['verify', '--config', config], {
      TOOLGATE_DB: join(dirname(path), 'elsewhere.db'),
    });
    expect(overridden).toMatchObject({ code: 2, err: expect.stringContaining('elsewhere.db') });
    await expect(runCli(runAuditCommand, ['verify', '--config', join(dirname(path), 'nope.mjs')], {})).rejects.toThrow(
      /does not exist/,
    );
  });

  it('a missing or wrong audit key is "cannot be checked" (2), not TAMPERED; a gateway refuses to seal under another key', async () => {
    const keyed = join(dirname(path), 'keyed.db');
    const key = 'k'.repeat(32);
    const store = await openSqliteStore({ path: keyed, auditKey: key });
    await store.audit.append(event({ id: 'aud_k1' }));
    await store.close();
    const verify = (env: Record<string, string>) => runCli(runAuditCommand, ['verify', '--db', keyed], env);
    expect(await verify({ TOOLGATE_AUDIT_KEY: key })).toMatchObject({ code: 0 });
    // Before: "TAMPERED at seq 1 … [hash_mismatch]", exit 1, for an untouched log.
    expect(await verify({})).toMatchObject({ code: 2, err: /written with an audit key; set TOOLGATE_AUDIT_KEY/ });
    expect(await verify({ TOOLGATE_AUDIT_KEY: 'x'.repeat(32) })).toMatchObject({
      code: 2,
      err: /not the key this audit log is written with/,
    });
    expect(await runCli(runAuditCommand, ['verify'], { TOOLGATE_DB: path, TOOLGATE_AUDIT_KEY: key })).toMatchObject({
      code: 2,
      err: /says it is written without an audit key, but TOOLGATE_AUDIT_KEY is set\. If this log never had a key, unset/,
    });
    // A gateway with another key (or none) would chain new events under it: refused at open.
    await expect(openSqliteStore({ path: keyed })).rejects.toMatchObject({
      code: 'unavailable',
      detail: expect.stringMatching(/set TOOLGATE_AUDIT_KEY to it; no events are added/),
    });
    await expect(openSqliteStore({ path: keyed, auditKey: 'x'.repeat(32) })).rejects.toMatchObject({
      code: 'unavailable',
    });
    // A log with no key record (as 0.1 left it) cannot tell: TAMPERED, but the key is named as a cause.
    const copy = join(dirname(path), 'keyed-0.1.db');
    writeFileSync(copy, readFileSync(keyed));
    const old = new Database(copy);
    old.prepare('DROP TABLE audit_meta').run();
    old.close();
    const unrecorded = await runCli(runAuditCommand, ['verify', '--db', copy], {});
    expect(unrecorded).toMatchObject({ code: 1, out: expect.stringMatching(/^TAMPERED at seq 1/) });
    expect(unrecorded.err).toMatch(/no record of its audit key \(Toolgate 0\.1 wrote it\): a missing or wrong/);
    expect((await runCli(runAuditCommand, ['verify', '--db', copy], { TOOLGATE_AUDIT_KEY: key })).code).toBe(0);
    // A real change is still TAMPERED with the right key.
    const db = new Database(keyed);
    db.prepare("UPDATE audit_events SET actor = 'mallory' WHERE id = 'aud_k1'").run();
    db.close();
    expect(await verify({ TOOLGATE_AUDIT_KEY: key })).toMatchObject({ code: 1, out: /TAMPERED at seq 1/ });
  });

  it('a keyed log re-sealed as a plain chain and marked unkeyed is not waved through with "unset the key"', async () => {
    const keyed = join(dirname(path), 'downgraded.db');
    const key = 'k'.repeat(32);
    const store = await openSqliteStore({ path: keyed, auditKey: key });
    await store.audit.append(event({ id: 'aud_d1', actor: 'usr_lead_grace' }));
    await store.close();
    // The forger cannot read the key: they re-seal with plain SHA-256 and say the log has none.
    const reader = openSqliteAuditReader(keyed);
    const [original] = await reader.audit.query({});
    await reader.close();
    const forged = { ...original!, actor: 'usr_lead_mallory' };
    const hash = hashEvent(forged, 1, forged.prevHash);
    const db = new Database(keyed);
    db.prepare("UPDATE audit_events SET actor = 'usr_lead_mallory', hash = ? WHERE seq = 1").run(hash);
    db.prepare('UPDATE audit_head SET hash = ?').run(hash);
    db.prepare("UPDATE audit_meta SET value = 'none' WHERE name = 'key_check'").run();
    db.close();
    const withKey = await runCli(runAuditCommand, ['verify', '--db', keyed], { TOOLGATE_AUDIT_KEY: key });
    expect(withKey.code).toBe(2);
    expect(withKey.err).toMatch(
      /If it was written with one, someone who could write the file but not read the key has re-sealed it/,
    );
    expect(withKey.err).toContain('treat it as tampered');
    // --json says so in JSON too (it printed nothing on stdout).
    const json = await runCli(runAuditCommand, ['verify', '--db', keyed, '--json'], { TOOLGATE_AUDIT_KEY: key });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({
      ok: false,
      checked: false,
      message: expect.stringContaining('treat it as tampered'),
    });
  });

  it('refuses a database that does not exist, and creates nothing there', async () => {
    const typo = join(path, '..', 'backups', 'toolgate.db');
    for (const sub of ['verify', 'tail', 'export']) {
      const r = await runCli(runAuditCommand, [sub, '--db', typo], {});
      expect(r.code).toBe(2);
      expect(r.err).toContain(`No Toolgate database at ${typo}`);
    }
    // Before, `verify` made an empty database there and reported "ok: 0 events, chain intact".
    expect(existsSync(join(path, '..', 'backups'))).toBe(false);
  });

  it('tail shows the newest events last, filtered', async () => {
    const r = await cli('tail', '--actor', 'bob', '--outcome', 'denied', '--limit', '2');
    expect(r.code).toBe(0);
    const lines = linesOf(r.out);
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['20', '30']);
    expect(lines.every((l) => l.includes('bob@acme') && l.includes('denied'))).toBe(true);
  });

  it('tail says on stderr when nothing matches, and stdout stays empty (it printed nothing at all)', async () => {
    const none = await cli('tail', '--actor', 'nobody');
    expect(none).toMatchObject({ code: 0, out: '', err: 'toolgate audit tail: no events match\n' });
    const empty = await tempSqliteStore();
    await empty.store.close();
    const r = await runCli(runAuditCommand, ['tail'], { TOOLGATE_DB: empty.path });
    await empty.cleanup();
    expect(r).toMatchObject({ code: 0, out: '', err: 'toolgate audit tail: the audit log has no events\n' });
  });

  it("tail shows each event's kind, and --kind filters by it (an approval and a rejection printed alike)", async () => {
    const r = await cli('tail', '--kind', 'action.rejected');
    expect(r.code).toBe(0);
    const lines = linesOf(r.out);
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['10', '20', '30']);
    expect(lines.every((l) => l.split('\t')[2] === 'action.rejected')).toBe(true);
    expect(linesOf((await cli('tail', '--limit', '1')).out)[0]!.split('\t')[2]).toBe('action.rejected');
    expect(linesOf((await cli('tail', '--actor', 'alice', '--limit', '1')).out)[0]!.split('\t')[2]).toBe('tool_call');
  });

  it('tail --subject lists the events of one IdP subject', async () => {
    const r = await cli('tail', '--subject', 'idp|carol');
    expect(r.code).toBe(0);
    expect(linesOf(r.out).map((l) => l.split('\t')[0])).toEqual(['7', '14', '21', '28']);
  });

  it('export --format jsonl writes every matching event as one JSON line, filtered by tool and time', async () => {
    const r = await cli(
      'export',
      '--format',
      'jsonl',
      '--tool',
      'search_support_ticket',
      '--since',
      '2026-06-01T00:10:00Z',
      '--until',
      '2026-06-01T00:20:00Z',
    );
    expect(r.code).toBe(0);
    const events = linesOf(r.out).map((l) => JSON.parse(l) as { id: string; tool: string; hash: string });
    expect(events.map((e) => e.id)).toEqual(['aud_12', 'aud_15', 'aud_18']);
    expect(events.every((e) => e.tool === 'search_support_ticket' && e.hash.length === 64)).toBe(true);
  });

  it('export --since EVENT_ID resumes after that event; an unknown id is a usage error', async () => {
    const r = await cli('export', '--since', 'aud_27');
    expect(r.code).toBe(0);
    expect(linesOf(r.out).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['aud_28', 'aud_29', 'aud_30']);
    const missing = await cli('export', '--since', 'aud_nope');
    expect(missing).toMatchObject({ code: 2, err: expect.stringMatching(/--since aud_nope: no such event/) });
  });

  it('export --out fails loudly when the file cannot be opened or written, never "exported"', async () => {
    // Before: exit 0 and "exported 30 events" each time, with nothing (or half) on disk.
    const cases: [string, string][] = [
      [join(dirname(path), 'no-such-dir', 'out.jsonl'), 'ENOENT'],
      [join(path, 'out.jsonl'), 'ENOTDIR'], // through a file: the check before the open must not throw
      [dirname(path), 'EISDIR'],
    ];
    if (existsSync('/dev/full')) cases.push(['/dev/full', 'is incomplete: writing it failed']);
    for (const [out, why] of cases) {
      const r = await cli('export', '--out', out);
      expect(r.code).toBe(2);
      expect(r.err).toContain(why);
      expect(r.err).not.toContain('exported 30 events');
    }
  });

  it('export --out writes a file', async () => {
    const out = `${path}.jsonl`;
    const r = await cli('export', '--format', 'jsonl', '--out', out);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(30);
    // The last event's anchor, so a file cut short later can be told from a whole one.
    const lastEvent = JSON.parse(lines[29] ?? '') as { seq: number; hash: string };
    expect(r.err).toContain(`exported 30 events to ${out}; its last event is ${lastEvent.seq}:${lastEvent.hash}\n`);
    // An earlier export is kept unless --force: before, a second run silently replaced it.
    const again = await cli('export', '--out', out, '--limit', '1');
    expect(again).toMatchObject({
      code: 2,
      err: expect.stringContaining(`${out} exists; pass --force to replace it.`),
    });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(30);
    chmodSync(out, 0o600); // audit rows: kept from other users, and so after a --force too (review)
    const forced = await cli('export', '--out', out, '--limit', '1', '--force');
    expect(forced.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    // A link is written through, as /dev/stdout is when stdout goes to a file (found in review),
    // and a link to nothing yet makes its file.
    const link = `${path}.link.jsonl`;
    symlinkSync(out, link);
    expect((await cli('export', '--out', link, '--limit', '2')).code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2);
    const dangling = `${path}.dangling.jsonl`;
    symlinkSync(`${path}.made-by-export.jsonl`, dangling);
    expect((await cli('export', '--out', dangling, '--limit', '3')).code).toBe(0);
    expect(readFileSync(`${path}.made-by-export.jsonl`, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('export to a pipe says how far it got on stderr, as --out does (it was silent until the end)', async () => {
    bulkRows(25_000);
    const { code, lines, err } = await exportToPipe();
    expect({ code, lines }).toEqual({ code: 0, lines: 25_030 });
    expect(err).toMatch(/^exported 10000 events…\nexported 20000 events…\nexported 25030 events; its last event is /);
  });

  it('export --out stopped by Ctrl-C leaves nothing under OUT (it left a partial that read as whole), exit 2', async () => {
    // The export is still writing when the signal comes.
    bulkRows(150_000);
    const out = `${path}.jsonl`;
    const { code, err } = await exportStoppedAtFirstProgress(['--out', out]);
    expect({ code, err }).toMatchObject({
      code: 2,
      err: expect.stringMatching(/interrupted \(SIGINT\) after \d+ events; .* was not written\n$/),
    });
    expect(readdirSync(dirname(out)).filter((name) => name.startsWith(basename(out)))).toEqual([]);
  }, 60_000);

  it("export --follow --out stopped mid-page names the last event it wrote, not the page's last", async () => {
    // The count and the anchor were the page's (1,000 events) though a signal ended it part way.
    bulkRows(150_000);
    const out = `${path}.midpage.jsonl`;
    const { code, err } = await exportStoppedAtFirstProgress(['--follow', '--out', out]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const last = JSON.parse(lines.at(-1) ?? '') as { seq: number; hash: string };
    expect({ code, err }).toMatchObject({
      code: 0,
      err: expect.stringContaining(
        `exported ${lines.length} events to ${out}; its last event is ${last.seq}:${last.hash}\n`,
      ),
    });
  }, 60_000);

  it('export to a reader that stopped reading still ends on Ctrl-C (it waited for the reader), exit 2', async () => {
    bulkRows(150_000);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'audit', 'export', '--db', path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pause(); // a paused `less`, a stuck log shipper: the pipe fills and stays full
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    child.kill('SIGINT');
    const exited = await Promise.race([
      once(child, 'exit').then(([code]) => code as number | null),
      new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 10_000)),
    ]);
    if (exited === 'still waiting') child.kill('SIGKILL');
    expect({ exited, err }).toMatchObject({ exited: 2, err: expect.stringContaining('interrupted (SIGINT)') });
  }, 60_000);

  it('export --follow --out ends on Ctrl-C as it is meant to: the file closed and its anchor printed, exit 0', async () => {
    const out = `${path}.follow.jsonl`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'audit', 'export', '--follow', '--out', out, '--db', path],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const written = setInterval(() => {
      if (existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 30) {
        clearInterval(written);
        child.kill('SIGINT');
      }
    }, 20);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearInterval(written);
    const last = JSON.parse(readFileSync(out, 'utf8').trim().split('\n').at(-1) ?? '') as { seq: number; hash: string };
    expect({ code, signal, err }).toMatchObject({
      code: 0,
      signal: null,
      err: expect.stringContaining(`exported 30 events to ${out}; its last event is ${last.seq}:${last.hash}\n`),
    });
  }, 30_000);

  it('tail --follow stops, exit 2, naming it, when the file is replaced under it (a restore)', async () => {
    // A restored file that no gateway has opened yet is a rollback-journal file, whose reader
    // holds no lock between reads: restore cannot see the follower, and the follower went on
    // reading the unlinked file, never showing what the path held now (an outside probe).
    const rollback = new Database(path);
    rollback.pragma('journal_mode = DELETE');
    rollback.close();
    const following = cli('tail', '--follow');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const other = await tempSqliteStore();
    await other.store.audit.append(event({ id: 'aud_restored' }));
    await other.store.close();
    renameSync(other.path, path);
    const stopped = await Promise.race([
      following,
      new Promise<'still following'>((resolve) => setTimeout(() => resolve('still following'), 5_000)),
    ]);
    expect(stopped).toMatchObject({
      code: 2,
      err: expect.stringMatching(
        /^toolgate audit tail: audit query: the database file .* was replaced while it was being read; run the command again/,
      ),
    });
    await other.cleanup();
  });

  it.each([
    [['tail', '--since', 'yesterday'], /--since must be an ISO time/],
    [['tail', '--outcome', 'maybe'], /--outcome must be ok, denied or error/],
    [['tail', '--limit=0'], /--limit must be a positive integer/],
    [['export', '--format', 'csv'], /--format csv is not supported; jsonl is the only format/],
    [['tail', '--colour'], /Unknown option '--colour'/],
    [['rewrite'], /Unknown audit command "rewrite"/],
  ])('refuses %j with a clear message and exit code 2', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

/**
 * The audit commands read; they never change what they check. An auditor runs them on a backup,
 * an older file or a read-only copy, and before they opened the whole store: it migrated the
 * file, created `<db>-rates` beside it, and on read-only media failed with "cannot record this
 * call" and exit 1, the code for "tampered".
 */
describe('toolgate audit only reads', () => {
  const digest = () => createHash('sha256').update(readFileSync(path)).digest('hex');
  /** The directory's files, leaving out the -wal and -shm files SQLite may make to read a WAL file. */
  const files = () => readdirSync(dirname(path)).filter((f) => !/-(wal|shm)$/.test(f));

  it('leaves a file from an older Toolgate as it was: not migrated, no rates file, the same bytes', async () => {
    // As a version-4 file: the rate table still in it, the last migration not applied.
    const db = new Database(path);
    db.exec('CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_ms INTEGER NOT NULL)');
    db.exec('DELETE FROM schema_migrations WHERE version = 5');
    db.close();
    // A backup is the database file alone.
    for (const suffix of ['-rates', '-rates-wal', '-rates-shm']) rmSync(path + suffix, { force: true });
    const [before, listing] = [digest(), files()];

    const verified = await cli('verify');
    expect(verified).toMatchObject({ code: 0, out: expect.stringContaining('ok: 30 events, chain intact') });
    expect((await cli('tail', '--limit', '3')).code).toBe(0);
    expect(linesOf((await cli('export')).out)).toHaveLength(30);

    expect(files()).toEqual(listing);
    expect(digest()).toBe(before);
  });

  it('verify says how far it got on a long log, on stderr (stdout stays one JSON document)', async () => {
    // A silent walk of a month's log (minutes) looks hung: a line each time the count passes
    // another 100,000, however often the store reports (here every 1,500; the stores say every
    // 1,000, test/store/suite.ts).
    const reports = Array.from({ length: 170 }, (_, i) => (i + 1) * 1_500);
    const source = {
      audit: {
        recordedKeyCheck: async () => null,
        verify: async (_anchor: unknown, progress?: (checked: number) => void) => {
          for (const n of reports) progress?.(n);
          return { ok: true, count: 255_000, headSeq: 255_000, headHash: 'a'.repeat(64) };
        },
      },
      close: async () => undefined,
    } as unknown as AuditSource;
    const verify = (...args: string[]) =>
      runCli((argv, io) => runAuditCommand(argv, io, async () => source), ['verify', '--db', path, ...args]);
    const json = await verify('--json');
    expect(json).toMatchObject({ code: 0, err: 'checked 100500 events…\nchecked 201000 events…\n' });
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, count: 255_000 });
    const plain = await verify();
    expect(plain.err).toBe('checked 100500 events…\nchecked 201000 events…\n');
    expect(plain.out).toBe(`ok: 255000 events, chain intact, head 255000:${'a'.repeat(64)}\n`);
  });

  it('reads what a running gateway has just committed (its WAL), while it runs', async () => {
    const live = await openSqliteStore({ path });
    try {
      for (let i = 31; i <= 35; i++) await live.audit.append(event({ id: `aud_${i}` }));
      expect((await cli('verify')).out).toContain('ok: 35 events, chain intact');
      expect(linesOf((await cli('tail', '--limit', '1')).out)[0]).toContain('aud_35');
    } finally {
      await live.close();
    }
  });

  it('a file gone before the reader opens it is "No file at", not a raw stat error', () => {
    const gone = join(dirname(path), 'gone.db');
    let thrown: unknown;
    try {
      openSqliteAuditReader(gone);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'unavailable', detail: `No file at ${gone}.` });
  });

  it('says what a file is when it is not a Toolgate database, with exit 2 (not "tampered")', async () => {
    const junk = join(dirname(path), 'notes.db');
    writeFileSync(junk, 'not a database, just long enough to have a header '.repeat(4));
    const other = join(dirname(path), 'other.db');
    new Database(other).exec('CREATE TABLE things (a)').close();
    const notSqlite = await cli('verify', '--db', junk);
    expect(notSqlite).toMatchObject({ code: 2, err: expect.stringContaining(`${junk} is not a SQLite database`) });
    const notOurs = await cli('verify', '--db', other);
    expect(notOurs).toMatchObject({ code: 2, err: expect.stringContaining('not a Toolgate one: it has no audit log') });
    // SQLite itself says "disk I/O error" for a directory, which sends people looking at the disk.
    const folder = dirname(path);
    const directory = await cli('verify', '--db', folder);
    expect(directory).toMatchObject({ code: 2, err: expect.stringContaining(`${folder} is a directory`) });
    expect(directory.err).toContain(join(folder, 'toolgate.db'));
  });

  it('names how far a damaged file checked out, with exit 2 for every command (not "tampered", not a stack)', async () => {
    // One of the table's middle leaf pages overwritten, as a bad sector or a torn copy would.
    const db = new Database(path);
    // dbstat's path sorts the leaves in key (seq) order; ncell is how many events each holds.
    const leaves = db
      .prepare("SELECT pageno, ncell FROM dbstat WHERE name = 'audit_events' AND pagetype = 'leaf' ORDER BY path")
      .all() as { pageno: number; ncell: number }[];
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close(); // checkpoints the WAL into the file and removes it
    expect(leaves.length).toBeGreaterThanOrEqual(3);
    const middle = Math.floor(leaves.length / 2);
    const intact = leaves.slice(0, middle).reduce((sum, leaf) => sum + leaf.ncell, 0);
    const bytes = readFileSync(path);
    const at = (leaves[middle]!.pageno - 1) * pageSize;
    bytes.fill(0xff, at, at + 64);
    writeFileSync(path, bytes);

    const r = await cli('verify');
    expect(r.code).toBe(2);
    expect(r.out).not.toContain('ok:');
    expect(r.err).toContain(
      `toolgate audit verify: the audit log could not be read past event ${intact} (events 1–${intact} check out): `,
    );
    expect(r.err).toContain('malformed');
    for (const sub of ['tail', 'export']) {
      const other = await cli(sub, '--limit', '100');
      expect(other.code).toBe(2);
      expect(other.err).toContain(`toolgate audit ${sub}: `);
      expect(other.err).toContain('malformed');
    }
  });

  it('names the way out when a WAL-mode file sits where SQLite cannot make its -shm file', async () => {
    // As on read-only media: the -shm file cannot be created (here it points into nowhere).
    symlinkSync(join(dirname(path), 'missing', 'toolgate.db-shm'), `${path}-shm`);
    const r = await cli('verify');
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a WAL-mode SQLite database in a place SQLite cannot write its -shm file to');
    expect(r.err).toContain('Copy it, with its -wal file if there is one, somewhere writable');
  });

  it('says the same for the way SQLite fails in a directory it may not write (as non-root only)', () => {
    // "attempt to write a readonly database" (SQLITE_READONLY_DIRECTORY), which named no way out
    // (outside probe, run as a user; tests run as root, which any directory lets write).
    const readonlyDirectory = Object.assign(new Error('attempt to write a readonly database'), {
      code: 'SQLITE_READONLY_DIRECTORY',
    });
    expect(whyUnreadable(path, readonlyDirectory)).toContain(
      'is a WAL-mode SQLite database in a place SQLite cannot write its -shm file to',
    );
  });
});
