import pg from 'pg';
import { auditKeyCheck, keyMismatch } from '../../audit/key-check.js';
import { unrecordedRowMismatch, type AuditRow } from '../audit-rows.js';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import type { Store } from '../types.js';
import { PgAuditLog } from './audit-log.js';
import { createPool, mapPgError, q, transaction, type PgTimeouts } from './connection.js';
import { PgDrafts } from './drafts.js';
import { PgIdempotency } from './idempotency.js';
import { migrate, pendingMigrations } from './migrations.js';
import { PgRateLimits } from './rate-limits.js';
import { PgSessions } from './sessions.js';

export interface PostgresStoreOptions {
  /** e.g. postgres://toolgate@db.internal:5432/toolgate (env TOOLGATE_DATABASE_URL). */
  readonly connectionString: string;
  /** HMAC key for the audit chain (TOOLGATE_AUDIT_KEY); keep it outside the database. */
  readonly auditKey?: string;
  readonly maxConnections?: number;
  /** Deadlines for a server that does not answer (default PG_TIMEOUTS: connect 5 s, query 10 s). */
  readonly timeouts?: PgTimeouts;
}

/**
 * The shared store for several gateway instances behind a load balancer: audit chain, drafts,
 * idempotency keys and rate limits all live in one PostgreSQL database. Migrated on open.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = createPool(options.connectionString, {
    max: options.maxConnections ?? 10,
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });
  let newerSchema;
  try {
    // Reached first on its own, so a wrong password or host reads "connect to PostgreSQL: …",
    // not "migrate: …", which sent people looking at the schema (outside probe).
    await q(pool, 'connect to PostgreSQL', 'SELECT 1');
    newerSchema = await migrate(pool);
    await claimAuditKey(pool, options.auditKey);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw mapPgError('open postgres store', error);
  }
  const audit = new PgAuditLog(pool, options.auditKey ? Buffer.from(options.auditKey, 'utf8') : undefined);
  let closed = false;
  return {
    kind: 'postgres',
    audit,
    rateLimits: new PgRateLimits(pool),
    idempotency: new PgIdempotency(pool),
    drafts: new PgDrafts(pool),
    sessions: new PgSessions(pool),
    newerSchema,
    async ping() {
      if (closed) throw new StoreUnavailableError('store is closed');
      let pending: number[];
      try {
        pending = await pendingMigrations(pool);
      } catch (error) {
        throw mapPgError('ping', error);
      }
      if (pending.length > 0) throw new StoreUnavailableError(`migrations pending: ${pending.join(', ')}`);
      // Readiness means "can serve", and serving means writing the audit: commit one tiny write,
      // holding the lock an audit append takes on its tables. A table locked against writers
      // (a LOCK TABLE, a long migration) answered ready while every call waited and failed
      // (outside probe). ROW EXCLUSIVE does not conflict with the appends' own locks.
      await transaction(pool, 'write probe', async (client) => {
        await client.query(`SET LOCAL lock_timeout = ${READINESS_LOCK_WAIT_MS}`);
        await client.query('LOCK TABLE audit_events, audit_head IN ROW EXCLUSIVE MODE');
        await client.query(
          'INSERT INTO readiness_probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at',
          [new Date().toISOString()],
        );
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await audit.settle();
      await pool.end();
    },
  };
}

/** How long readiness waits for the audit tables' write lock before it says not ready. */
const READINESS_LOCK_WAIT_MS = 1_000;

/** As the SQLite store's: record the chain's key check once, refuse a different key afterwards. */
async function claimAuditKey(pool: pg.Pool, auditKey: string | undefined): Promise<void> {
  const key = auditKey ? Buffer.from(auditKey, 'utf8') : undefined;
  const recorded = await pool.query("SELECT 1 FROM audit_meta WHERE name = 'key_check'");
  const newest =
    recorded.rowCount === 0
      ? (await pool.query<AuditRow>('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1')).rows[0]
      : undefined;
  const unfit = newest && unrecordedRowMismatch(newest, key);
  if (unfit) throw new StoreUnavailableError(`${unfit}; no events are added to this database until then`);
  await pool.query("INSERT INTO audit_meta (name, value) VALUES ('key_check', $1) ON CONFLICT (name) DO NOTHING", [
    auditKeyCheck(key),
  ]);
  const { rows } = await pool.query<{ value: string }>("SELECT value FROM audit_meta WHERE name = 'key_check'");
  const mismatch = keyMismatch(rows[0]?.value ?? null, key);
  if (mismatch) throw new StoreUnavailableError(`${mismatch}; no events are added to this database under another key`);
}
