import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hasAuditLog } from './audit-reader.js';

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
 * Copies a live SQLite database to `dest` with SQLite's online backup (`toolgate backup`):
 * - all pages in one step, so in one read transaction: one consistent moment, which the
 *   gateway's writes (WAL) do not wait for. SQLite restarts a step-by-step backup whenever
 *   another connection writes the source ("the backup will be restarted by the next call to
 *   sqlite3_backup_step()", sqlite.org/c3ref/backup_finish.html), as a busy gateway does
 *   between any two steps;
 * - into a file beside `dest`, switched to a rollback journal (one self-contained file: reading
 *   it later creates no `-wal`/`-shm` beside it), synced, then renamed over `dest` and the
 *   directory synced, so a `dest` that exists is always whole. The replaced file's own `-wal`,
 *   `-shm` and `-journal` are removed first: SQLite applies a leftover `-wal` to whatever file
 *   now has that name, which would turn the copy back into the old file's contents;
 * - a signal (SIGINT, SIGTERM) during the copy is held until the copy step ends, then the
 *   partial file is removed and the copy fails; partial files a killed run left are removed.
 * Throws, leaving `dest` as it was, when anything fails.
 */
export async function copySqliteOnline(
  source: string,
  dest: string,
  /** Called once signals are held, just before the copy starts (the CLI prints its progress line). */
  onStart: () => void = () => undefined,
): Promise<{ bytes: number }> {
  removeAbandonedPartials(dest);
  const partial = `${dest}.partial-${process.pid}`;
  let interrupted: NodeJS.Signals | null = null;
  const hold = (signal: NodeJS.Signals) => (interrupted = signal);
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  const stopIfInterrupted = () => {
    if (interrupted) throw new Error(`interrupted (${interrupted as string})`);
  };
  let db: Database.Database | undefined;
  try {
    onStart();
    db = new Database(source, { readonly: true, fileMustExist: true });
    if (!hasAuditLog(db)) throw new Error(`${source} is not a Toolgate database (it has no audit log)`);
    await db.backup(partial, { progress: () => ALL_PAGES });
    stopIfInterrupted();
    const copy = new Database(partial);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    syncFile(partial);
    stopIfInterrupted(); // the last moment before `dest` changes
    for (const sidecar of SQLITE_SIDECARS) rmSync(`${dest}${sidecar}`, { force: true });
    renameSync(partial, dest);
    syncFile(dirname(dest));
    return { bytes: statSync(dest).size };
  } catch (error) {
    removeWithSidecars(partial);
    throw error;
  } finally {
    db?.close();
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
  }
}

/** What the progress callback returns to have better-sqlite3 copy every remaining page at once. */
const ALL_PAGES = 0x7fffffff;

/** `<dest>.partial-<pid>` files whose process is gone (killed mid-copy): nothing will finish them. */
function removeAbandonedPartials(dest: string): void {
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

function syncFile(path: string): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
