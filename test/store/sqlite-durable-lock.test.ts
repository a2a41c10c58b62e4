import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openConnection, type Db } from '../../src/store/sqlite/connection.js';
import { DRAFT_COLUMNS, draftValues } from '../../src/store/draft-rows.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { draft } from './suite.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Issue #15: the store's durable connection (drafts, idempotency keys, console sessions, the
// readiness write) waits for another connection's write lock on the event loop, as the
// rate-limit one does, instead of sleeping the main thread in SQLite's busy handler while the
// audit writer commits. Each write lands once, whenever the lock comes free.
describe('sqlite durable writes while another connection holds the write lock', () => {
  let temp: Awaited<ReturnType<typeof tempSqliteStore>>;
  let holder: Db;
  beforeEach(async () => {
    temp = await tempSqliteStore();
    holder = openConnection(temp.path, true);
  });
  afterEach(async () => {
    if (holder.inTransaction) holder.exec('ROLLBACK');
    holder.close();
    await temp.cleanup();
  });

  it('keeps the event loop running while they wait, then writes each once', async () => {
    const { store } = temp;
    holder.exec('BEGIN IMMEDIATE');
    let settled = false;
    const writes = Promise.all([
      store.drafts.create(draft('drf_1')),
      store.idempotency.claim('idem_1', 'fp'),
      store.sessions.create({ idHash: 'h1', kind: 'session', data: '{}', createdAt: 'a', expiresAt: 'z' }),
      store.ping(),
    ]).finally(() => (settled = true));
    // A timer that had to wait for a sleeping thread would see the writes settled (or fail).
    let ticks = 0;
    for (let i = 0; i < 5; i++) {
      await sleep(5);
      ticks++;
      expect(settled).toBe(false);
    }
    expect(ticks).toBe(5);
    holder.exec('COMMIT');
    const [, claim] = await writes;
    expect(claim).toEqual({ state: 'claimed' });
    expect(await store.drafts.get('drf_1')).toMatchObject({ id: 'drf_1', version: 1 });
    expect(await store.idempotency.claim('idem_1', 'fp')).toEqual({ state: 'in_progress', since: expect.any(String) });
    expect(await store.sessions.get('h1', 'session', 'b')).toMatchObject({ idHash: 'h1' });
  });

  // Outside probe, 2026-12-07 (1,000 drafts from one token in 4.7 s): the cap on waiting drafts
  // is counted under the write lock, so a draft another instance is committing counts.
  it('a capped create counts once it holds the write lock: a draft another connection commits meanwhile counts', async () => {
    const { store } = temp;
    await store.drafts.create(draft('drf_1'));
    holder.exec('BEGIN IMMEDIATE');
    const values = draftValues(draft('drf_2'));
    holder.prepare(`INSERT INTO drafts (${DRAFT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`).run(...values);
    const capped = store.drafts.create(draft('drf_3'), undefined, { perRequester: 2 });
    await sleep(20);
    holder.exec('COMMIT');
    expect(await capped).toMatchObject({ created: false, over: 'requester', waiting: 2 });
    expect(await store.drafts.get('drf_3')).toBeNull();
  });

  it('reads do not wait for the lock at all', async () => {
    const { store } = temp;
    await store.drafts.create(draft('drf_2'));
    holder.exec('BEGIN IMMEDIATE');
    expect(await store.drafts.get('drf_2')).toMatchObject({ id: 'drf_2' });
    expect(await store.audit.query({})).toEqual([]);
  });
});
