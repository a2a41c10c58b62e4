import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import type { Store } from '../types.js';
import { GENESIS_HASH } from '../../audit/chain.js';
import { SqliteAuditLog } from './audit-log.js';
import { startAuditWriter, type SpawnWriter } from './audit-writer.js';
import { mapSqliteError, openConnection, type Db } from './connection.js';
import { auditKeyCheck, keyMismatch } from '../../audit/key-check.js';
import { unrecordedRowMismatch, type AuditRow } from '../audit-rows.js';
import { SqliteDrafts } from './drafts.js';
import { directoryInsteadOfFile } from './file-path.js';
import { SqliteIdempotency } from './idempotency.js';
import { migrate, pendingMigrations } from './migrations.js';
import { carryOverBuckets, openRateLimitFile } from './rate-limit-file.js';
import { SqliteRateLimits } from './rate-limits.js';
import { runOnSameFile, sameFileCheck } from './same-file.js';
import { SqliteSessions } from './sessions.js';

export interface SqliteStoreOptions {
  /** Database file; created with its directory if missing. */
  readonly path: string;
  /** HMAC key for the audit chain (TOOLGATE_AUDIT_KEY); keep it outside the database. */
  readonly auditKey?: string;
  /** Creates the audit writer's thread; tests pass their own to reach it (and stop it). */
  readonly spawnWriter?: SpawnWriter;
}

/**
 * The embedded store: one SQLite file in WAL mode, migrated on open, with the rate-limit buckets
 * beside it in `<path>-rates` (rate-limit-file.ts). The default for a single gateway process;
 * several instances behind a load balancer should use PostgreSQL.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  let durable;
  let rates;
  let newerSchema;
  let onSameFile;
  try {
    const directory = directoryInsteadOfFile(options.path);
    if (directory) throw new Error(directory);
    mkdirSync(dirname(options.path), { recursive: true });
    // Noted before the open where there is a file: one renamed over it meanwhile (a restore
    // finishing while this waited for its lock) is then caught below, not taken for the one opened.
    onSameFile = existsSync(options.path) ? sameFileCheck(options.path) : undefined;
    durable = openConnection(options.path, true);
    onSameFile ??= sameFileCheck(options.path);
    rates = openRateLimitFile(options.path);
    carryOverBuckets(durable, rates);
    newerSchema = migrate(durable);
    claimAuditKey(durable, options.path, options.auditKey);
    onSameFile('open');
    // From here every use goes through run(), which waits for a held lock on the event loop.
    durable.pragma('busy_timeout = 0');
  } catch (error) {
    durable?.close();
    rates?.close();
    throw mapSqliteError(`open ${options.path}`, error);
  }
  const key = options.auditKey ? Buffer.from(options.auditKey, 'utf8') : undefined;
  const runOnDurable = runOnSameFile(onSameFile);
  const writer = startAuditWriter(options.path, GENESIS_HASH, key, undefined, options.spawnWriter);
  const audit = new SqliteAuditLog(durable, key, writer, runOnDurable);
  let closed = false;
  return {
    kind: 'sqlite',
    audit,
    rateLimits: new SqliteRateLimits(rates),
    idempotency: new SqliteIdempotency(durable, runOnDurable),
    drafts: new SqliteDrafts(durable, runOnDurable),
    sessions: new SqliteSessions(durable, runOnDurable),
    newerSchema,
    ping: () =>
      // Deleted or replaced under us, writes would land in a file no one can open: runOnDurable
      // checks that first (same-file.ts), as for every other use of the connection.
      runOnDurable('ping', () => {
        if (closed) throw new StoreUnavailableError('store is closed');
        // Calls are answered only once their audit event is committed, by the writer thread.
        const writerDown = writer.health();
        if (writerDown) throw new StoreUnavailableError(writerDown);
        durable.prepare('SELECT 1').get();
        rates.prepare('SELECT 1 FROM rate_buckets LIMIT 1').get();
        const pending = pendingMigrations(durable);
        if (pending.length > 0) throw new StoreUnavailableError(`migrations pending: ${pending.join(', ')}`);
        // Readiness means "can serve", and serving means writing the audit: commit one tiny write.
        durable
          .prepare('INSERT INTO readiness_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at')
          .run(new Date().toISOString());
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      await audit.close(); // commits what is queued, then stops the writer thread
      durable.close();
      rates.close();
    },
  };
}

/**
 * Records which key the chain is sealed with, the first time; afterwards refuses another one.
 * A gateway started with a new or missing TOOLGATE_AUDIT_KEY went on appending to the old chain
 * under a different key, and verify then called the log tampered where the key changed.
 */
function claimAuditKey(db: Db, path: string, auditKey: string | undefined): void {
  const key = auditKey ? Buffer.from(auditKey, 'utf8') : undefined;
  const unrecorded = !db.prepare("SELECT 1 FROM audit_meta WHERE name = 'key_check'").get();
  const newest = unrecorded
    ? (db.prepare('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1').get() as AuditRow | undefined)
    : undefined;
  const unfit = newest && unrecordedRowMismatch(newest, key);
  if (unfit) throw new StoreUnavailableError(`${unfit}; no events are added to ${path} until then`);
  db.prepare("INSERT INTO audit_meta (name, value) VALUES ('key_check', ?) ON CONFLICT (name) DO NOTHING").run(
    auditKeyCheck(key),
  );
  const recorded = (db.prepare("SELECT value FROM audit_meta WHERE name = 'key_check'").get() as { value: string })
    .value;
  const mismatch = keyMismatch(recorded, key);
  if (mismatch) throw new StoreUnavailableError(`${mismatch}; no events are added to ${path} under another key`);
}
