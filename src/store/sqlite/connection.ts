import Database from 'better-sqlite3';
import { StoreUnavailableError, ToolgateError } from '../../errors/toolgate-error.js';

export type Db = Database.Database;

/** How long a write waits for another connection's write lock before it is `unavailable`. */
export const LOCK_WAIT_MS = 5_000;

/**
 * Opens one connection with the pragmas Toolgate relies on. `durable` connections use
 * synchronous=FULL so a committed audit event survives a crash or power loss, and wait for a
 * held write lock inside SQLite (what migrations need at open; the store then turns that off, see
 * run); the rate-limit connection uses NORMAL, since a bucket lost in a crash only refills early,
 * and does not wait there at all (see runWhenUnlocked).
 */
export function openConnection(path: string, durable: boolean): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durable ? 'FULL' : 'NORMAL'}`);
  db.pragma(`busy_timeout = ${durable ? LOCK_WAIT_MS : 0}`);
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs a write on a connection with busy_timeout 0, retrying on later turns of the event loop
 * while another connection holds the write lock. SQLite's own busy handler sleeps (1 ms, then
 * longer) with the thread blocked; on the main database the lock is usually the audit writer
 * thread's, held through its COMMIT's fsync (rate-limit lease refills, when they shared that
 * file, spent ~5% of the main thread asleep there: issue #15). Gives up as `unavailable` after
 * the same wait as the blocking connections.
 */
export async function runWhenUnlocked<T>(what: string, operation: () => T, waitMs = LOCK_WAIT_MS): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return operation();
    } catch (error) {
      if (!isBusy(error) || Date.now() - started >= waitMs) throw mapSqliteError(what, error);
    }
    // A COMMIT holds the lock for about a millisecond: try again next turn, then back off.
    await new Promise((retry) => (attempt < 32 ? setImmediate(retry) : setTimeout(retry, Math.min(attempt - 31, 20))));
  }
}

/** SQLite's "another connection holds the lock": worth waiting out, unlike every other failure. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs a synchronous database operation and maps driver failures to typed errors: a closed,
 * missing, locked or read-only database is `unavailable` (retryable); a constraint is `conflict`.
 * A write that meets another connection's write lock waits on the event loop (runWhenUnlocked):
 * the store's durable connection has no busy handler once it is migrated, so a draft, an
 * idempotency key or a session written while the audit writer commits never puts the main thread
 * to sleep. Every caller runs one statement or one transaction, so a retry redoes nothing.
 */
export function run<T>(what: string, operation: () => T): Promise<T> {
  return runWhenUnlocked(what, operation);
}

/** The shape of `run`, for the stores that are handed one (same-file.ts guards theirs). */
export type Run = <T>(what: string, operation: () => T) => Promise<T>;

export function mapSqliteError(what: string, error: unknown): Error {
  if (error instanceof ToolgateError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) {
    return new ToolgateError('conflict', 'That record already exists or conflicts with another.', {
      detail: `${what}: ${String(error)}`,
      cause: error,
    });
  }
  // SQLite's own words for it are "attempt to write a readonly database", which sent people
  // looking at file permissions; a gateway starting while `toolgate restore` renamed the file met it.
  if (code === 'SQLITE_READONLY_DBMOVED') {
    const why = 'the database file was moved, removed or replaced while open (by `toolgate restore`?); restart';
    return new StoreUnavailableError(`${what}: ${why}`, error);
  }
  return new StoreUnavailableError(`${what}: ${error instanceof Error ? error.message : String(error)}`, error);
}
