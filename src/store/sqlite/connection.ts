import Database from 'better-sqlite3';
import { StoreUnavailableError, ToolgateError } from '../../errors/toolgate-error.js';

export type Db = Database.Database;

/**
 * Opens one connection with the pragmas Toolgate relies on. `durable` connections use
 * synchronous=FULL so a committed audit event survives a crash or power loss; the rate-limit
 * connection uses NORMAL, since a bucket lost in a crash only refills early.
 */
export function openConnection(path: string, durable: boolean): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durable ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs a synchronous database operation and maps driver failures to typed errors: a closed,
 * missing, locked or read-only database is `unavailable` (retryable); a constraint is `conflict`.
 */
export async function run<T>(what: string, operation: () => T): Promise<T> {
  try {
    return operation();
  } catch (error) {
    throw mapSqliteError(what, error);
  }
}

export function mapSqliteError(what: string, error: unknown): Error {
  if (error instanceof ToolgateError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) {
    return new ToolgateError('conflict', 'That record already exists or conflicts with another.', {
      detail: `${what}: ${String(error)}`,
      cause: error,
    });
  }
  return new StoreUnavailableError(`${what}: ${error instanceof Error ? error.message : String(error)}`, error);
}
