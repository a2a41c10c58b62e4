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

async function verifyCli(): Promise<{ code: number; out: string }> {
  return runCli(runAuditCommand, ['verify', '--db', path]);
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
