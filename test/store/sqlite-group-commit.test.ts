import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { EARLY_BATCH, SqliteAuditLog } from '../../src/store/sqlite/audit-log.js';
import type { AuditWriter, SealResult, UnsealedRow } from '../../src/store/sqlite/audit-writer.js';
import { event } from './suite.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A writer thread stand-in that records each batch and answers only when told to. */
function heldWriter() {
  const batches: { events: readonly UnsealedRow[]; answer: () => void }[] = [];
  let seq = 0;
  const writer: AuditWriter = {
    append: (events) =>
      new Promise<SealResult[]>((resolve) => {
        batches.push({
          events,
          answer: () => resolve(events.map(() => ({ seq: ++seq, prevHash: 'p', hash: `h${seq}` }))),
        });
      }),
    health: () => null,
    onCommit: () => () => {},
    close: async () => {},
  };
  return { writer, sizes: () => batches.map((b) => b.events.length), answer: (i: number) => batches[i]!.answer() };
}

// Issue #15: when the writer is idle, a busy turn hands over its first events at once so the two
// threads overlap; when it is busy, the batch waits for the turn's end and stays whole.
describe('sqlite audit log: when a batch leaves for the writer', () => {
  const db = new Database(':memory:'); // append() only asks whether it is open
  afterAll(() => db.close());

  it(`an idle writer gets the first ${EARLY_BATCH} events of a busy turn before the turn ends`, async () => {
    const held = heldWriter();
    const log = new SqliteAuditLog(db, undefined, held.writer);
    const appended = Array.from({ length: 10 }, (_, i) => log.append(event({ id: `aud_${i}` })));
    expect(held.sizes()).toEqual([EARLY_BATCH]); // still inside the turn
    await nextTurn();
    // The writer is busy with the first batch now, so the rest waited for the turn's end.
    expect(held.sizes()).toEqual([EARLY_BATCH, 10 - EARLY_BATCH]);
    held.answer(0);
    held.answer(1);
    const sealed = await Promise.all(appended);
    expect(sealed.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => `aud_${i}`));
    expect(sealed.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    await log.flush();
  });

  it('a quiet turn sends one batch at its end', async () => {
    const held = heldWriter();
    const log = new SqliteAuditLog(db, undefined, held.writer);
    const appended = Array.from({ length: EARLY_BATCH - 1 }, (_, i) => log.append(event({ id: `aud_q${i}` })));
    expect(held.sizes()).toEqual([]);
    await nextTurn();
    expect(held.sizes()).toEqual([EARLY_BATCH - 1]);
    held.answer(0);
    await Promise.all(appended);
  });

  it('while the writer commits, a busy turn is one batch however large', async () => {
    const held = heldWriter();
    const log = new SqliteAuditLog(db, undefined, held.writer);
    const first = log.append(event({ id: 'aud_first' }));
    await nextTurn();
    expect(held.sizes()).toEqual([1]);
    const burst = Array.from({ length: 20 }, (_, i) => log.append(event({ id: `aud_b${i}` })));
    expect(held.sizes()).toEqual([1]);
    await nextTurn();
    expect(held.sizes()).toEqual([1, 20]);
    // flush() waits for every batch, not just the first.
    let flushed = false;
    const flushing = log.flush().then(() => (flushed = true));
    held.answer(0);
    await first;
    await nextTurn();
    expect(flushed).toBe(false);
    held.answer(1);
    await Promise.all([...burst, flushing]);
    expect(flushed).toBe(true);
  });
});
