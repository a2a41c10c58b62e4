import Database from 'better-sqlite3';
import { renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { hasAuditLog, whyUnreadable } from './audit-reader.js';
import { changeOfFile } from './same-file.js';
import { signalsDelivered } from '../../util/held-signals.js';
import { finishStaged, SQLITE_SIDECARS, syncFile, withStagedFile } from './staged-file.js';

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
 * - from the file `source` names when it starts: one replaced or removed while it is copied (a
 *   restore) fails the copy, rather than giving the file from before;
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
  return withStagedFile(dest, async (partial, stopIfInterrupted) => {
    onStart();
    const changed = changeOfFile(source);
    let db: Database.Database | undefined;
    let isToolgate: boolean;
    try {
      db = new Database(source, { readonly: true, fileMustExist: true });
      isToolgate = hasAuditLog(db); // the first read: where a WAL-mode file wants its -shm
    } catch (error) {
      db?.close();
      throw new Error(whyUnreadable(source, error)); // as `audit` says it, read-only media included
    }
    try {
      if (!isToolgate) throw new Error(`${source} is not a Toolgate database (it has no audit log)`);
      await db.backup(partial, { progress: () => ALL_PAGES });
    } finally {
      db.close();
    }
    // The copy is one blocking step: a signal that came during it is only noted once the event
    // loop next polls, and nothing between here and the rename would let it (outside probe: a
    // Ctrl-C mid-copy was ignored and the backup finished with exit 0).
    await signalsDelivered();
    // A restore holds the file's lock while it replaces it; this copy waited for the lock on the
    // file it had opened, and then copied that one: the database as it was before the restore.
    const change = changed();
    if (change)
      throw new Error(
        `${source} was ${change} (by \`toolgate restore\`?) while it was being copied; run the backup again`,
      );
    stopIfInterrupted();
    finishStaged(partial);
    stopIfInterrupted(); // the last moment before `dest` changes
    for (const sidecar of SQLITE_SIDECARS) rmSync(`${dest}${sidecar}`, { force: true });
    renameSync(partial, dest);
    syncFile(dirname(dest));
    return { bytes: statSync(dest).size };
  });
}

/** What the progress callback returns to have better-sqlite3 copy every remaining page at once. */
const ALL_PAGES = 0x7fffffff;
