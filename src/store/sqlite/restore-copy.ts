import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { hasAuditLog } from './audit-reader.js';
import { isBusy } from './connection.js';
import { rateLimitFilePath } from './rate-limit-file.js';
import { signalsDelivered } from '../../util/held-signals.js';
import { finishStaged, SQLITE_SIDECARS, syncFile, withStagedFile } from './staged-file.js';

/** The last event of a log: where its chain ends. */
export interface LogEnd {
  readonly seq: number;
  readonly hash: string;
}

/** What `restoreSqliteCopy` replaced, when there was a database to replace. */
export interface Replaced {
  /** Where the file replaced is kept: `<db>.replaced-<time>`. */
  readonly keptAt: string;
  /** Its log's last event, or null when it had none. */
  readonly end: LogEnd | null;
}

/** Something else (a gateway, the CLI, a sqlite3 shell) has the database open. */
export class DatabaseInUseError extends Error {
  constructor(database: string) {
    super(`${database} is open in another process (a gateway still serving from it?); stop it first`);
  }
}

/**
 * Puts a copy (`toolgate backup`'s) in place of a SQLite database (`toolgate restore`):
 * - the database's exclusive lock is taken first and held to the end (`holdExclusively`): no
 *   gateway can have the file open meanwhile, and none can open it until the copy is in place.
 *   Taking it fails at once while anything has the file open: a copy put under a running
 *   gateway is overwritten by its next checkpoint, or ignored by it;
 * - the copy is copied (it stays a backup) beside the database, where `record` adds to it (the
 *   CLI appends the restore's own audit event) before anything else changes;
 * - the file replaced is kept, linked as `<db>.replaced-<time>`, and it is whole there: its
 *   `-wal` was folded into it under the lock;
 * - the copy is renamed over the database and the database's `-wal`, `-shm` and `-journal` are
 *   removed: SQLite would apply a leftover `-wal` to the restored file;
 * - a signal is held until the rename is done or abandoned. Throws, replacing nothing, when any
 *   step before the rename fails (the database may be left on a rollback journal: the same
 *   events, and a gateway opening it switches it back to WAL).
 */
export async function restoreSqliteCopy(
  copy: string,
  database: string,
  record: (staged: string, replaced: LogEnd | null) => Promise<void>,
): Promise<{ replaced: Replaced | null; warning: string | null }> {
  mkdirSync(dirname(database), { recursive: true }); // a new machine's `.toolgate/`, as `serve` makes it
  return withStagedFile(database, async (staged, stopIfInterrupted) => {
    const hold = existsSync(database) ? holdExclusively(database) : null;
    try {
      copyFileSync(copy, staged);
      for (const sidecar of SQLITE_SIDECARS) rmSync(`${staged}${sidecar}`, { force: true });
      await record(staged, hold?.end ?? null);
      rmSync(rateLimitFilePath(staged), { force: true });
      finishStaged(staged);
      await signalsDelivered(); // one that came while finishStaged blocked (its fsync)
      stopIfInterrupted(); // the last moment before the database changes
      if (!hold) {
        placeWhereNothingIs(staged, database);
        return { replaced: null, ...settleAfterRename(database) };
      }
      const replaced = {
        keptAt: `${database}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`,
        end: hold.end,
      };
      linkSync(database, replaced.keptAt);
      try {
        renameSync(staged, database);
      } catch (error) {
        rmSync(replaced.keptAt, { force: true }); // a second name only: the database is as it was
        throw error;
      }
      return { replaced, ...settleAfterRename(database) };
    } finally {
      hold?.release();
    }
  });
}

/**
 * With no database to lock, nothing stops another restore or a starting gateway from creating
 * one meanwhile: a rename would silently replace it. A hard link is refused when the name exists
 * (EEXIST), so the copy goes in only where nothing is; the staged name is then dropped.
 */
function placeWhereNothingIs(staged: string, database: string): void {
  try {
    linkSync(staged, database);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new Error(`a database appeared at ${database} while restoring (a gateway started, or another restore)`);
  }
  rmSync(staged, { force: true });
}

/**
 * After the rename the copy is in place, so nothing from here may report "not replaced": any
 * `-wal`/`-shm` left under the database's name go (SQLite would apply a leftover `-wal` to the
 * copy) and the directory is synced; a failure of either is a warning to act on.
 */
function settleAfterRename(database: string): { warning: string | null } {
  try {
    for (const sidecar of SQLITE_SIDECARS) rmSync(`${database}${sidecar}`, { force: true });
    syncFile(dirname(database));
    return { warning: null };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      warning: `the copy is in place, but ${reason}: remove any -wal or -shm beside ${database} before starting the gateway`,
    };
  }
}

/**
 * The database's exclusive lock, kept until `release` (locking_mode EXCLUSIVE keeps a
 * connection's locks after its transaction). Every connection to a WAL database holds a lock
 * that stops this one, idle or not, so it is also the test that nothing has the file open.
 * Under it the `-wal` is folded into the file and the file switched to a rollback journal: the
 * file is then whole by itself, and this connection, closed after the file was renamed, leaves
 * no file behind under the database's name.
 */
function holdExclusively(database: string): { readonly end: LogEnd | null; release(): void } {
  const db = new Database(database, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    if (!hasAuditLog(db)) throw new Error(`${database} is not a Toolgate database (it has no audit log)`);
    db.pragma('journal_mode = DELETE');
    const last = 'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1';
    const end = (db.prepare(last).get() as LogEnd | undefined) ?? null;
    return { end, release: () => db.close() };
  } catch (error) {
    db.close();
    throw isBusy(error) ? new DatabaseInUseError(database) : error;
  }
}
