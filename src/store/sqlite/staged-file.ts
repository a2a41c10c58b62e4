import { closeSync, existsSync, fsyncSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { holdSignals } from '../../util/held-signals.js';
import { rateLimitFilePath } from './rate-limit-file.js';

// Files written beside where they will end up, then renamed into place (`toolgate backup`,
// `toolgate restore`, `toolgate audit export --out`), so a file at the final name is always whole.

/** The files SQLite keeps beside a database while it is open (WAL mode) or mid-transaction. */
export const SQLITE_SIDECARS = ['-wal', '-shm', '-journal'] as const;

/** A non-empty `-wal` beside `path`: a database in use, or one a process left without closing. */
export function hasWalData(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

/**
 * Where a file for `dest` is written before it is renamed to `dest`: `<dest>.partial-<pid>`, so
 * that what a killed run left is recognised by the next one as abandoned and removed.
 */
export function stagingPath(dest: string): string {
  return `${dest}.partial-${process.pid}`;
}

/** `<dest>.partial-<pid>` files whose process is gone (killed mid-copy): nothing will finish them. */
export function removeAbandonedPartials(dest: string): void {
  const prefix = `${basename(dest)}.partial-`;
  for (const name of readdirSync(dirname(dest))) {
    const pid = /^(\d+)$/.exec(name.slice(prefix.length))?.[1];
    if (!name.startsWith(prefix) || pid === undefined || isRunning(Number(pid))) continue;
    removeWithSidecars(join(dirname(dest), name));
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // someone else's, and alive
  }
}

function removeWithSidecars(path: string): void {
  for (const suffix of ['', ...SQLITE_SIDECARS]) rmSync(`${path}${suffix}`, { force: true });
}

export function syncFile(path: string): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs `work` with SIGINT and SIGTERM held (a second one too: see `holdSignals`), so `work` is
 * never cut off between writing a staged file and renaming it. `work` calls `stopIfInterrupted`
 * where stopping is safe, which throws once a signal came (its caller then removes what it staged).
 */
async function whileSignalsHeld<T>(work: (stopIfInterrupted: () => void) => Promise<T>): Promise<T> {
  const signals = holdSignals({ obeySecond: false });
  try {
    return await work(() => {
      const signal = signals.received();
      if (signal) throw new Error(`interrupted (${signal})`);
    });
  } finally {
    signals.release();
  }
}

/**
 * Switches a closed database file to a rollback journal: one self-contained file, whose readers
 * create no `-wal`/`-shm` beside it (a gateway opening it switches it back to WAL).
 */
function useRollbackJournal(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/**
 * Runs `work` on the staging file for `dest`, signals held (`whileSignalsHeld`): partials a
 * killed run left are removed first, and the staging file goes (with its sidecars and any
 * `-rates` a store opened on it made) when `work` throws, so a failure leaves nothing.
 */
export function withStagedFile<T>(
  dest: string,
  work: (staged: string, stopIfInterrupted: () => void) => Promise<T>,
): Promise<T> {
  removeAbandonedPartials(dest);
  const staged = stagingPath(dest);
  return whileSignalsHeld(async (stopIfInterrupted) => {
    try {
      return await work(staged, stopIfInterrupted);
    } catch (error) {
      removeWithSidecars(staged);
      rmSync(rateLimitFilePath(staged), { force: true });
      throw error;
    }
  });
}

/** A staged database made whole by itself (a rollback journal) and durable, ready to rename. */
export function finishStaged(staged: string): void {
  useRollbackJournal(staged);
  syncFile(staged);
}
