import { LOCK_WAIT_MS, openConnection, type Db } from './connection.js';

/** Where the rate-limit buckets live: a file of their own beside the database, `<db>-rates`. */
export function rateLimitFilePath(databasePath: string): string {
  return `${databasePath}-rates`;
}

/**
 * Opens the rate-limit buckets' own SQLite file, creating its one table (issue #15). Buckets used
 * to share the audit log's file, so a lease refill on the main thread had to wait for the audit
 * writer's lock, held through every COMMIT's fsync, while every call on that bucket waited for
 * the refill; and each refill's commit made the writer thread drop its page cache (SQLite resets
 * a connection's cache whenever another connection has committed to the file: ~12 page reads per
 * COMMIT under the bench, by strace). On a file of its own a refill runs at once and the writer
 * keeps its cache: tools/call req/s rose in nine interleaved rounds of nine (+0.5–9%, ~+4.5% on
 * average), with a lower p99.
 * What the buckets hold is unchanged, and several processes on one database still share them.
 */
export function openRateLimitFile(databasePath: string): Db {
  const db = openConnection(rateLimitFilePath(databasePath), false);
  // Two processes opening a new database together may meet on this first write; let it wait
  // inside SQLite (nothing else runs yet), then never again (see runWhenUnlocked).
  db.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  db.exec(
    'CREATE TABLE IF NOT EXISTS rate_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_ms INTEGER NOT NULL)',
  );
  db.pragma('busy_timeout = 0');
  return db;
}

interface BucketRow {
  readonly key: string;
  readonly tokens: number;
  readonly updated_ms: number;
}

/**
 * A database from before the move still has its buckets in the main file, until migration 5
 * drops that table: copy them over first, so an upgrade does not hand every caller a full
 * bucket. A bucket already in the rates file wins (a copy interrupted by a crash is only redone).
 */
export function carryOverBuckets(main: Db, rates: Db): void {
  const table = main.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rate_buckets'").get();
  if (!table) return;
  const rows = main.prepare('SELECT key, tokens, updated_ms FROM rate_buckets').all() as BucketRow[];
  const insert = rates.prepare('INSERT OR IGNORE INTO rate_buckets (key, tokens, updated_ms) VALUES (?, ?, ?)');
  rates.transaction(() => {
    for (const row of rows) insert.run(row.key, row.tokens, row.updated_ms);
  })();
}
