import { closeSync, openSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createChainWalker } from '../../audit/chain.js';
import type { AuditAnchor, AuditEvent, AuditFilter, VerifyReport } from '../../audit/event.js';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import { filterSql, fromRow, VERIFY_PROGRESS_EVERY, walkRow, type AuditRow } from '../audit-rows.js';
import type { AuditReading } from '../types.js';
import { isBusy, LOCK_WAIT_MS, run as runOnConnection, type Db, type Run } from './connection.js';
import { directoryInsteadOfFile } from './file-path.js';
import { runOnSameFile, sameFileCheck } from './same-file.js';

interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** Reads the audit log on one connection: the store's own, or a read-only one (openSqliteAuditReader). */
export class SqliteAuditReader implements AuditReading {
  private head?: Database.Statement;

  constructor(
    protected readonly db: Db,
    /** Checks an HMAC chain; the writer thread seals with its own copy. */
    private readonly key: Buffer | undefined,
    /** The store's log passes run() with its same-file check (same-file.ts). */
    private readonly run: Run = runOnConnection,
  ) {}

  query(filter: AuditFilter): Promise<AuditEvent[]> {
    return this.run('audit query', () => {
      const { where, params, order, limit } = filterSql(filter, () => '?');
      const rows = this.db
        .prepare(`SELECT * FROM audit_events ${where} ${order} LIMIT ${limit}`)
        .all(...params) as AuditRow[];
      return rows.map(fromRow);
    });
  }

  get(id: string): Promise<AuditEvent | null> {
    return this.run('audit get', () => {
      const row = this.db.prepare('SELECT * FROM audit_events WHERE id = ?').get(id) as AuditRow | undefined;
      return row ? fromRow(row) : null;
    });
  }

  recordedKeyCheck(): Promise<string | null> {
    return this.run('audit key check', () => {
      const table = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_meta'").get();
      if (!table) return null;
      const row = this.db.prepare("SELECT value FROM audit_meta WHERE name = 'key_check'").get() as
        { value: string } | undefined;
      return row?.value ?? null;
    });
  }

  chainHead(): Promise<AuditAnchor | null> {
    return this.run('audit head', () => this.readHead());
  }

  verify(anchor?: AuditAnchor, progress?: (checked: number) => void): Promise<VerifyReport> {
    return this.run('audit verify', () => {
      const head = this.readHead();
      const rows = this.db.prepare('SELECT * FROM audit_events ORDER BY seq').iterate() as IterableIterator<AuditRow>;
      const walker = createChainWalker(this.key, anchor);
      let checked = 0;
      let walked = 0;
      try {
        for (const row of rows) {
          const problem = walkRow(walker, row);
          if (problem) return problem;
          checked = Number(row.seq);
          if (++walked % VERIFY_PROGRESS_EVERY === 0) progress?.(walked);
        }
        return walker.finish(head);
      } catch (error) {
        if (isBusy(error)) throw error; // this.run() waits the lock out and walks again
        // A damaged page stops the walk part way (SQLITE_CORRUPT): say how far the chain was read
        // and checked, so the operator knows which events the damage leaves unverified.
        const said = error instanceof Error ? error.message : String(error);
        const where = checked > 0 ? `past event ${checked} (events 1–${checked} check out)` : '(no event checked)';
        throw new StoreUnavailableError(`the audit log could not be read ${where}: ${said}`, error);
      }
    });
  }

  private readHead(): ChainHead | null {
    this.head ??= this.db.prepare('SELECT seq, hash FROM audit_head WHERE one = 1');
    return (this.head.get() as ChainHead | undefined) ?? null;
  }
}

/**
 * The audit log of an existing file, opened read-only: no migrations, no writer thread, no rates
 * file, nothing written to the database. What `toolgate audit verify|tail|export` use, so that
 * checking a backup never changes it — before, they opened the whole store, which migrated an
 * older file, created `<db>-rates` beside it and, where the file could not be written (a backup
 * on read-only media), failed with "cannot record this call" and exit 1, which `verify` uses for
 * "tampered". SQLite may still create the empty `-wal` and `-shm` files a WAL-mode database needs
 * beside it to be read; the database file itself is left byte for byte as it was.
 */
export function openSqliteAuditReader(
  path: string,
  auditKey?: string,
): { readonly audit: SqliteAuditReader; close(): Promise<void> } {
  let db: Db | undefined;
  let onSameFile;
  try {
    // Noted before the open: a restore may replace the file while this reads or follows it, and a
    // reader of a rollback-journal file holds no lock between its reads to make the restore wait.
    onSameFile = sameFileCheck(path, {
      during: 'it was being read',
      then: 'run the command again',
    });
    db = new Database(path, { readonly: true, fileMustExist: true });
    // A reader waits out a writer's lock on a rollback-journal file, or a WAL recovery, inside SQLite.
    db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
    if (!hasAuditLog(db))
      throw new StoreUnavailableError(`${path} is a SQLite database, but not a Toolgate one: it has no audit log.`);
  } catch (error) {
    db?.close();
    throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(whyUnreadable(path, error), error);
  }
  const open = db;
  const key = auditKey ? Buffer.from(auditKey, 'utf8') : undefined;
  return {
    audit: new SqliteAuditReader(open, key, runOnSameFile(onSameFile)),
    close: async () => {
      open.close();
    },
  };
}

/**
 * One line for a file SQLite would not open read-only, with what to do about it where we know
 * (`audit` and `backup` read this way).
 */
export function whyUnreadable(path: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const said = error instanceof Error ? error.message : String(error);
  const directory = directoryInsteadOfFile(path);
  if (directory) return directory;
  if (code === 'SQLITE_NOTADB') return `${path} is not a SQLite database (${said}).`;
  if (code === 'ENOENT') return `No file at ${path}.`;
  // A WAL-mode file needs its -shm file beside it (or a directory SQLite can create it in). A
  // directory it may not write says "attempt to write a readonly database" (outside probe).
  if (typeof code === 'string' && WAL_NEEDS_SHM.has(code) && isWalMode(path))
    return (
      `${path} is a WAL-mode SQLite database in a place SQLite cannot write its -shm file to ` +
      `(read-only media?). Copy it, with its -wal file if there is one, somewhere writable and check the copy.`
    );
  return `cannot read ${path}: ${said}`;
}

/** How SQLite fails to open a WAL-mode file read-only when it cannot make or map its -shm file. */
const WAL_NEEDS_SHM: ReadonlySet<string> = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_READONLY_DIRECTORY']);

/** Bytes 18 and 19 of a SQLite header are 2 in WAL mode (https://www.sqlite.org/fileformat.html). */
function isWalMode(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const header = Buffer.alloc(20);
      return readSync(fd, header, 0, 20, 0) === 20 && header[18] === 2 && header[19] === 2;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Whether a SQLite database holds a Toolgate audit log (its events and its chain head). */
export function hasAuditLog(db: Db): boolean {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  return tables.includes('audit_events') && tables.includes('audit_head');
}
