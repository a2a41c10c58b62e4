import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { mapSqliteError } from '../../src/store/sqlite/connection.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { capturedLogger } from '../helpers/captured-logger.js';
import { getCustomerSummary } from '../helpers/fixture-tools.js';
import { replaceWhileLocked } from '../helpers/replace-while-locked.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { draft, event, runStoreSuite } from './suite.js';

runStoreSuite('sqlite', tempSqliteStore);

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

// Issue #15: the writer thread seals inside its own transaction, on the head it reads there, and
// merges what arrives while it commits into its next transaction.
describe('sqlite audit log: sealing on the writer thread', () => {
  it('two writers on one file, appending in many batches at once: one gap-free verified chain', async () => {
    const first = await tempSqliteStore();
    const second = await openSqliteStore({ path: first.path });
    try {
      const appended = [];
      for (let round = 0; round < 30; round++) {
        for (let i = 0; i < 5; i++) {
          appended.push(first.store.audit.append(event({ id: `aud_a_${round}_${i}` })));
          appended.push(second.audit.append(event({ id: `aud_b_${round}_${i}` })));
        }
        await nextTurn(); // the next round is a new batch, sent while this one may still commit
      }
      const sealed = await Promise.all(appended);
      expect(sealed.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      // The two writers' batches interleave: each sealed on the head the other had moved.
      const order = (await first.store.audit.query({ limit: 1_000 })).map((e) => e.id[4]).join('');
      expect(order).toMatch(/ab|ba/);
      expect(await second.audit.verify()).toMatchObject({ ok: true, count: 300, headSeq: 300 });
    } finally {
      await second.close();
      await first.cleanup();
    }
  });

  it('a bad event in a merged batch fails alone; the batches around it land', async () => {
    const { store, cleanup } = await tempSqliteStore();
    try {
      await store.audit.append(event({ id: 'aud_taken' }));
      const results = [store.audit.append(event({ id: 'aud_1' }))];
      await nextTurn();
      results.push(store.audit.append(event({ id: 'aud_taken' })), store.audit.append(event({ id: 'aud_2' })));
      await nextTurn();
      results.push(store.audit.append(event({ id: 'aud_3' })));
      const settled = await Promise.allSettled(results);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const ids = (await store.audit.query({ limit: 10 })).map((e) => e.id);
      expect(ids).toEqual(['aud_taken', 'aud_1', 'aud_2', 'aud_3']);
      expect(await store.audit.verify()).toMatchObject({ ok: true, count: 4 });
    } finally {
      await cleanup();
    }
  });

  it('an event the writer cannot be handed fails alone, and close() still finishes', async () => {
    const { store, cleanup } = await tempSqliteStore();
    try {
      const uncloneable = event({ id: 'aud_fn', reason: (() => 'x') as unknown as string });
      await expect(store.audit.append(uncloneable)).rejects.toThrow();
      await store.audit.append(event({ id: 'aud_after' }));
      expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
    } finally {
      await cleanup(); // close() must not wait for an answer that never comes
    }
  });

  it('close() answers what was appended before it and refuses what comes after', async () => {
    const { store, path } = await tempSqliteStore();
    const before = store.audit.append(event({ id: 'aud_before' }));
    const closing = store.close();
    await expect(store.audit.append(event({ id: 'aud_late' }))).rejects.toMatchObject({ code: 'unavailable' });
    await expect(before).resolves.toMatchObject({ seq: 1 });
    await closing;
    const reopened = await openSqliteStore({ path });
    expect((await reopened.audit.query({})).map((e) => e.id)).toEqual(['aud_before']);
    await reopened.close();
    rmSync(dirname(path), { recursive: true, force: true });
  });
});

describe('sqlite store: the database setting', () => {
  it('naming a directory is refused as unavailable, saying so and what to name instead', async () => {
    const { path, cleanup } = await tempSqliteStore();
    try {
      const folder = dirname(path);
      // SQLite's own words were "unable to open database file".
      const refused = await openSqliteStore({ path: folder }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({ code: 'unavailable' });
      expect(String((refused as { detail?: string }).detail)).toContain(`${folder} is a directory`);
      expect(String((refused as { detail?: string }).detail)).toContain(`${folder}/toolgate.db`);
    } finally {
      await cleanup();
    }
  });
});

describe('sqlite store: its file removed or replaced while it runs', () => {
  it('refuses appends and readiness, rather than committing into a file no one can open again', async () => {
    const { store, path, cleanup } = await tempSqliteStore();
    try {
      await store.audit.append(event({ id: 'aud_kept' }));
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
      // Before: this succeeded (and /readyz said ready) into the unlinked file, lost at the next start.
      await expect(store.audit.append(event({ id: 'aud_lost' }))).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.ping()).rejects.toMatchObject({ detail: expect.stringMatching(/was removed while/) });
      // A file put back at the path (a restore) is not the one this store has open either.
      const other = await openSqliteStore({ path });
      await other.close();
      await expect(store.audit.append(event({ id: 'aud_lost_2' }))).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.ping()).rejects.toMatchObject({ detail: expect.stringMatching(/was replaced while/) });
    } finally {
      await cleanup();
    }
  });

  it('refuses drafts, idempotency keys, console sessions and audit reads too: they used the replaced file', async () => {
    const { store, path, cleanup } = await tempSqliteStore();
    try {
      await store.drafts.create(draft('drf_before'));
      // What `toolgate restore` does: another database renamed over the path.
      const copy = await tempSqliteStore();
      await copy.store.close();
      renameSync(copy.path, path);
      for (const sidecar of ['-wal', '-shm']) rmSync(`${path}${sidecar}`, { force: true });
      const replaced = {
        code: 'unavailable',
        detail: expect.stringMatching(
          /^draft create: the database file .* was replaced while the gateway had it open; .*restart the gateway/,
        ),
      };
      await expect(store.drafts.create(draft('drf_after'))).rejects.toMatchObject(replaced);
      await expect(store.drafts.get('drf_before')).rejects.toMatchObject({ code: 'unavailable' });
      // Nor is the replaced file's audit log read as if it were the log at the path.
      await expect(store.audit.query({ limit: 10 })).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.audit.verify()).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.idempotency.claim('idem_after', 'fp')).rejects.toMatchObject({ code: 'unavailable' });
      await expect(
        store.sessions.create({ idHash: 'h_after', kind: 'session', data: '{}', createdAt: 'a', expiresAt: 'z' }),
      ).rejects.toMatchObject({ code: 'unavailable' });
      // Before: each of these succeeded, into the unlinked file the restore had replaced, and was
      // lost with it at the next start.
      await copy.cleanup();
    } finally {
      await cleanup();
    }
  });
});

describe('sqlite store: opened while a restore replaces its file', () => {
  it('refuses to start on the file it waited for, which is no longer the database', async () => {
    const { store, path, cleanup } = await tempSqliteStore();
    const restored = await tempSqliteStore();
    try {
      await store.audit.append(event({ id: 'aud_old' }));
      await store.close();
      await restored.store.close();
      const holder = await replaceWhileLocked(path, restored.path);
      // Waits for the lock (inside SQLite), then would have gone on with the replaced file.
      await expect(openSqliteStore({ path })).rejects.toMatchObject({
        code: 'unavailable',
        detail: expect.stringMatching(/^open: the database file .* was replaced while the gateway had it open/),
      });
      expect(await holder.done).toEqual({ replaced: true });
      const reopened = await openSqliteStore({ path });
      expect((await reopened.audit.query({ limit: 10 })).map((e) => e.id)).toEqual([]);
      await reopened.close();
    } finally {
      await restored.cleanup();
      await cleanup();
    }
  });
});

describe('sqlite: a file renamed under an open connection', () => {
  it('is named as moved or replaced, not as "attempt to write a readonly database" (a gateway starting during a restore)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-moved-'));
    try {
      const path = join(dir, 'toolgate.db');
      const db = new Database(path); // a rollback journal, as `restore` leaves the file it replaces
      db.exec('CREATE TABLE t (x)');
      renameSync(path, `${path}.replaced`);
      let thrown: unknown;
      try {
        db.exec('INSERT INTO t VALUES (1)');
      } catch (error) {
        thrown = error;
      }
      db.close();
      expect(thrown).toMatchObject({
        code: 'SQLITE_READONLY_DBMOVED',
        message: 'attempt to write a readonly database',
      });
      expect(mapSqliteError('migrate', thrown)).toMatchObject({
        code: 'unavailable',
        detail: expect.stringMatching(
          /^migrate: the database file was moved, removed or replaced while open \(by `toolgate restore`\?\); restart$/,
        ),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a database a newer Toolgate migrated', () => {
  it('still opens; the store names the migrations it does not know and the gateway warns once', async () => {
    const first = await tempSqliteStore();
    expect(first.store.newerSchema).toEqual([]);
    await first.store.close();
    // A later version's migrations, recorded as that version would record them.
    const db = new Database(first.path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      99,
      'a later table',
      '2027-01-01T00:00:00.000Z',
    );
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      98,
      'a later column',
      '2027-01-01T00:00:00.000Z',
    );
    db.close();
    const store = await openSqliteStore({ path: first.path });
    try {
      expect(store.newerSchema).toEqual([
        { version: 98, name: 'a later column' },
        { version: 99, name: 'a later table' },
      ]);
      const { logger, lines } = capturedLogger('info');
      createGateway({ tools: [getCustomerSummary], store, logger });
      expect(lines()).toEqual([
        expect.objectContaining({
          level: 40,
          newerMigrations: [98, 99],
          msg: expect.stringContaining('migrations 98 (a later column), 99 (a later table) unknown to this version'),
        }),
      ]);
      // It still serves: the audit chain it knows is written as before.
      await store.audit.append(event({ id: 'aud_after' }));
      expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
    } finally {
      await store.close();
      rmSync(dirname(first.path), { recursive: true, force: true });
    }
  });

  it('a store this version migrated itself makes no such warning', async () => {
    const { store, cleanup } = await tempSqliteStore();
    try {
      const { logger, lines } = capturedLogger('info');
      createGateway({ tools: [getCustomerSummary], store, logger });
      expect(lines()).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});

describe('a log written before its key was recorded (Toolgate 0.1)', () => {
  it('is opened only with the key its newest event was sealed with, and then records it', async () => {
    // Before: the first gateway to open it recorded whatever key it had, a missing one included,
    // and chained plain events after the HMAC ones for good (outside probe, 2026-12-07).
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-unrecorded-'));
    const path = join(dir, 'toolgate.db');
    const key = 'k'.repeat(32);
    const first = await openSqliteStore({ path, auditKey: key });
    await first.audit.append(event({ id: 'aud_u1' }));
    await first.audit.append(event({ id: 'aud_u2' }));
    await first.close();
    /** The file as 0.1 left it: no key record (and, with `sql`, another edit). */
    const forget = (file = path, sql?: string) => {
      const db = new Database(file);
      db.prepare("DELETE FROM audit_meta WHERE name = 'key_check'").run();
      if (sql) db.prepare(sql).run();
      db.close();
    };
    const recorded = () => {
      const db = new Database(path, { readonly: true });
      const row = db.prepare("SELECT value FROM audit_meta WHERE name = 'key_check'").get();
      db.close();
      return row;
    };
    forget();
    await expect(openSqliteStore({ path })).rejects.toMatchObject({
      code: 'unavailable',
      detail: expect.stringMatching(/no record of its key .* newest event, 2, does not check out without an audit key/),
    });
    await expect(openSqliteStore({ path, auditKey: 'x'.repeat(32) })).rejects.toMatchObject({
      detail: expect.stringMatching(/does not check out with this TOOLGATE_AUDIT_KEY/),
    });
    expect(recorded()).toBeUndefined(); // nothing claimed by the refused opens
    const right = await openSqliteStore({ path, auditKey: key });
    await right.audit.append(event({ id: 'aud_u3' }));
    expect(await right.audit.verify()).toMatchObject({ ok: true, count: 3 });
    await right.close();
    expect(recorded()).toBeDefined();

    // An unkeyed one refuses a key; an empty one takes whatever comes first.
    const plain = join(dir, 'plain.db');
    const unkeyed = await openSqliteStore({ path: plain });
    await unkeyed.audit.append(event({ id: 'aud_p1' }));
    await unkeyed.close();
    forget(plain);
    await expect(openSqliteStore({ path: plain, auditKey: key })).rejects.toMatchObject({
      detail: expect.stringMatching(/with this TOOLGATE_AUDIT_KEY: .* \(or none, if it never had one\)/),
    });
    await (await openSqliteStore({ path: plain })).close();
    // A newest row that does not parse is refused in words, not as a SyntaxError (review).
    const broken = join(dir, 'broken.db');
    const writer = await openSqliteStore({ path: broken });
    await writer.audit.append(event({ id: 'aud_b1' }));
    await writer.close();
    forget(broken, "UPDATE audit_events SET data = '{not json' WHERE id = 'aud_b1'");
    await expect(openSqliteStore({ path: broken })).rejects.toMatchObject({
      code: 'unavailable',
      detail: expect.stringMatching(/newest event, 1, cannot be read/),
    });
    const empty = await openSqliteStore({ path: join(dir, 'empty.db'), auditKey: key });
    await empty.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
