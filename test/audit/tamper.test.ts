import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAuditCommand } from '../../src/cli/audit.js';
import { openSqliteAuditReader } from '../../src/store/sqlite/audit-reader.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { runCli } from '../helpers/capture-io.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { event } from '../store/suite.js';

/**
 * Someone with write access to the SQLite file edits, deletes or swaps audit rows; `audit verify`
 * (through the real CLI entry) must fail and name the first bad event.
 */
let path: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  const t = await tempSqliteStore();
  path = t.path;
  cleanup = t.cleanup;
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => t.store.audit.append(event({ id: `aud_${i + 1}`, actor: `actor_${i + 1}` }))),
  );
  await t.store.close();
});
afterEach(async () => cleanup());

async function verifyCli(...more: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCli(runAuditCommand, ['verify', '--db', path, ...more]);
}

/** The anchor `audit verify` prints after "head", as an operator would copy it off the machine. */
async function anchorNow(): Promise<string> {
  const { out } = await verifyCli();
  const anchor = /head (\d+:[0-9a-f]{64})$/m.exec(out)?.[1];
  expect(anchor, out).toBeDefined();
  return anchor!;
}

function tamper(sql: string): void {
  const db = new Database(path);
  db.exec(sql);
  db.close();
}

describe('audit verify on a tampered SQLite file', () => {
  it('passes on the untouched log', async () => {
    const r = await verifyCli();
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/^ok: 10 events/);
  });

  it('names an edited event (hash_mismatch)', async () => {
    tamper("UPDATE audit_events SET outcome = 'ok', actor = 'someone_else' WHERE seq = 5");
    const r = await verifyCli();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/TAMPERED at seq 5 .*changed after it was written \[hash_mismatch\]/);
  });

  it('names a deleted event (missing_event)', async () => {
    tamper('DELETE FROM audit_events WHERE seq = 5');
    const r = await verifyCli();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/TAMPERED at seq 5: event 5 is missing/);
  });

  it('names the first of two swapped events (broken_link)', async () => {
    tamper(`
      UPDATE audit_events SET seq = -4 WHERE seq = 4;
      UPDATE audit_events SET seq = 4 WHERE seq = 6;
      UPDATE audit_events SET seq = 6 WHERE seq = -4;`);
    const r = await verifyCli();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/TAMPERED at seq 4 /);
  });

  it('notices events removed from the end (head_mismatch)', async () => {
    tamper('DELETE FROM audit_events WHERE seq >= 9');
    const r = await verifyCli();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/TAMPERED at seq 9: events 9–10 were removed from the end/);
  });

  // The chain's own limit, and what an anchor kept elsewhere adds (the gateway logs one a minute).
  it('events removed from the end with the head moved back pass alone, not against an anchor', async () => {
    const anchor = await anchorNow();
    expect(anchor).toMatch(/^10:/);
    tamper(`DELETE FROM audit_events WHERE seq >= 9;
      UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_events WHERE seq = 8)`);
    expect(await verifyCli()).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^ok: 8 events, chain intact, head 8:/),
    });
    const r = await verifyCli('--anchor', anchor);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^TAMPERED at seq 9: the log ends at event 8, but the anchor recorded event 10: events were removed from the end .*\[anchor_mismatch\]$/m,
    );
    const json = await verifyCli('--anchor', anchor, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, problem: 'anchor_mismatch', anchor: { seq: 10 } });
  });

  it('an unkeyed chain recomputed from an event on passes alone, not against a later anchor', async () => {
    const before = await anchorNow();
    const early = (await verifyCli('--anchor', before)).out;
    expect(early).toMatch(/^ok: 10 events, chain intact, anchor 10 holds, head 10:/);
    const { hashEvent } = await import('../../src/audit/chain.js');
    const reader = openSqliteAuditReader(path);
    const events = await reader.audit.query({});
    const anchor4 = `4:${events[3]!.hash}`;
    await reader.close();
    // The forger edits event 5 and re-seals it and everything after it: no key, so nothing stops them.
    const db = new Database(path);
    let prevHash = events[3]!.hash;
    for (const e of events.slice(4)) {
      const changed = { ...e, actor: e.seq === 5 ? 'mallory' : e.actor, prevHash };
      const hash = hashEvent(changed, e.seq, prevHash);
      db.prepare('UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(
        changed.actor,
        prevHash,
        hash,
        e.seq,
      );
      prevHash = hash;
    }
    db.prepare('UPDATE audit_head SET hash = ? WHERE one = 1').run(prevHash);
    db.close();
    expect((await verifyCli()).code).toBe(0);
    const r = await verifyCli('--anchor', before);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^TAMPERED at seq 10 \(aud_10\): event 10 .*is not the event the anchor recorded/);
    // An anchor from before the edit still holds: the log is intact up to there.
    expect(await verifyCli('--anchor', anchor4)).toMatchObject({
      code: 0,
      out: expect.stringContaining('anchor 4 holds'),
    });
  });

  it.each([
    ['10'],
    ['0:' + 'a'.repeat(64)],
    ['10:' + 'a'.repeat(63)],
    ['10:' + 'g'.repeat(64)],
    ['ten:' + 'a'.repeat(64)],
    [''],
  ])('refuses --anchor %j with what it wants (exit 2)', async (anchor) => {
    const r = await verifyCli('--anchor', anchor);
    expect(r.code).toBe(2);
    // An empty one is refused before it is read, as every empty option is.
    expect(r.err).toMatch(
      anchor === '' ? /^--anchor is empty/ : /--anchor wants SEQ:HASH as `audit verify` prints it after "head"/,
    );
    expect(r.err).toContain('Usage: toolgate audit verify');
  });

  it('what the file holds reaches the terminal shown, not obeyed: tail, verify and export', async () => {
    // What a writer of the file (or a caller, through an actor or tool name) can put in a field.
    const hostile = 'x\u001b[2J\u001b]52;c;ZXZpbA==\u0007\r\n999\tforged\u202e\u009b31m';
    tamper(`UPDATE audit_events SET actor = '${hostile}', tool = '${hostile}', id = 'aud_${hostile}' WHERE seq = 3`);
    const tail = await runCli(runAuditCommand, ['tail', '--db', path]);
    expect(tail.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- finding them is the point
    expect(tail.out).not.toMatch(/[\u001b\u0007\r\u202e\u009b]/);
    expect(tail.out.trimEnd().split('\n')).toHaveLength(10); // one line an event: no forged one
    expect(tail.out.split('\n')[2]!.split('\t')).toHaveLength(9); // the tab inside a field is shown, not a column
    expect(tail.out).toContain(
      'x[U+001B][2J[U+001B]]52;c;ZXZpbA==[U+0007][U+000D][U+000A]999[U+0009]forged[U+202E][U+009B]31m@',
    );
    // The edit is found, and the id it quotes (the tamperer's text) is shown, not obeyed: raw, a CR
    // and an erase-line made the TAMPERED line read "ok: … chain intact".
    const verified = await verifyCli();
    expect(verified.code).toBe(1);
    expect(verified.out).toMatch(/^TAMPERED at seq 3 \(aud_x\[U\+001B\]\[2J/);
    // eslint-disable-next-line no-control-regex -- finding them is the point
    expect(verified.out).not.toMatch(/[\u001b\u0007\r\u202e\u009b]/);
    expect(verified.out.trimEnd().split('\n')).toHaveLength(1);
    const verifiedJson = await verifyCli('--json');
    // eslint-disable-next-line no-control-regex -- finding them is the point
    expect(verifiedJson.out).not.toMatch(/[\u001b\u0007\r\u202e\u009b]/);
    expect(JSON.parse(verifiedJson.out)).toMatchObject({ ok: false, firstBadId: `aud_${hostile}` });
    const exported = await runCli(runAuditCommand, ['export', '--db', path]);
    // eslint-disable-next-line no-control-regex -- finding them is the point
    expect(exported.out).not.toMatch(/[\u001b\u0007\r\u202e\u009b]/);
    const lines = exported.out.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect((JSON.parse(lines[2]!) as { actor: string }).actor).toBe(hostile); // the same value, parsed
  });

  // The chain hashes each JSON column's value; a writer of the file could re-spell it, hash intact.
  it.each([
    // A search for the draft by text misses the row: it vanished from the console's draft timeline.
    [
      'an id in source_ids spelled with an escape',
      `UPDATE audit_events SET source_ids = '["\\u0073rc_1"]' WHERE seq = 6`,
      'source_ids spelled otherwise',
    ],
    // Read as "approved" by Toolgate (the last key wins) and as "rejected" by SQL's json_extract.
    [
      'a duplicated key in data',
      `UPDATE audit_events SET data = '{"k":"rejected","k":"v"}' WHERE seq = 6`,
      'data spelled otherwise',
    ],
    ['whitespace in data', `UPDATE audit_events SET data = '{ "k": "v" }' WHERE seq = 6`, 'data spelled otherwise'],
    // Before: "could not be read past event 5", exit 2, and nothing after it checked.
    [
      'a source_ids that is not JSON',
      `UPDATE audit_events SET source_ids = 'not json' WHERE seq = 6`,
      'source_ids that is not JSON',
    ],
  ])('names %s (not_as_written), exit 1', async (_what, sql, said) => {
    tamper(sql);
    const r = await verifyCli();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      new RegExp(
        `^TAMPERED at seq 6 \\(aud_6\\): event 6 \\(aud_6\\) has (a |its )?${said}.*\\[not_as_written\\]$`,
        'm',
      ),
    );
  });

  it('with an audit key, a re-hashed forged chain is still caught', async () => {
    // Rebuild with a keyed chain, then forge: edit event 3 and re-seal every hash with plain SHA-256.
    const keyed = await tempSqliteStore();
    const store = await openSqliteStore({ path: `${keyed.path}.keyed`, auditKey: 'k'.repeat(32) });
    for (let i = 1; i <= 3; i++) await store.audit.append(event({ id: `aud_k${i}` }));
    await store.close();
    const db = new Database(`${keyed.path}.keyed`);
    db.exec("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3");
    db.close();
    const { hashEvent } = await import('../../src/audit/chain.js');
    // Read without the key (a reader, as the forger is): a store would refuse to open under another key.
    const reopened = openSqliteAuditReader(`${keyed.path}.keyed`);
    const forged = (await reopened.audit.query({})).at(-1)!;
    await reopened.close();
    const db2 = new Database(`${keyed.path}.keyed`);
    db2.prepare('UPDATE audit_events SET hash = ? WHERE seq = 3').run(hashEvent(forged, 3, forged.prevHash));
    db2.prepare('UPDATE audit_head SET hash = ?').run(hashEvent(forged, 3, forged.prevHash));
    db2.close();
    const check = await openSqliteStore({ path: `${keyed.path}.keyed`, auditKey: 'k'.repeat(32) });
    expect(await check.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 3, problem: 'hash_mismatch' });
    await check.close();
    await keyed.cleanup();
  });
});
