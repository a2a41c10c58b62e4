import { GENESIS_HASH } from '../../audit/chain.js';
import type { Pool } from './connection.js';
import { transaction } from './connection.js';

/** Same tables as the SQLite store (same file name, same numbering), in PostgreSQL types. */
const MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'audit, rate limits, idempotency, drafts',
    sql: `
      CREATE TABLE audit_events (
        seq BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, time TEXT NOT NULL, kind TEXT NOT NULL, request_id TEXT, call_id TEXT,
        surface TEXT NOT NULL, client TEXT NOT NULL, actor TEXT NOT NULL, tenant TEXT, tool TEXT NOT NULL, decision TEXT NOT NULL,
        reason TEXT NOT NULL, outcome TEXT NOT NULL, error_code TEXT, input_summary TEXT NOT NULL, output_summary TEXT,
        result_bytes INTEGER NOT NULL, result_tokens INTEGER NOT NULL, source_ids TEXT NOT NULL, latency_ms INTEGER NOT NULL,
        data TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
      );
      CREATE INDEX audit_by_actor ON audit_events (actor, seq);
      CREATE INDEX audit_by_tool ON audit_events (tool, seq);
      CREATE INDEX audit_by_tenant ON audit_events (tenant, seq);
      CREATE INDEX audit_by_time ON audit_events (time);
      CREATE TABLE audit_head (one INTEGER PRIMARY KEY CHECK (one = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
      INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
      CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, updated_ms BIGINT NOT NULL);
      CREATE TABLE idempotency_keys (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL, result TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE drafts (
        id TEXT PRIMARY KEY, tool TEXT NOT NULL, tenant TEXT NOT NULL, requester TEXT NOT NULL, client TEXT NOT NULL, risk TEXT NOT NULL,
        input TEXT NOT NULL, preview TEXT NOT NULL, draft_hash TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL
      );
      CREATE INDEX drafts_by_status ON drafts (status, created_at);
    `,
  },
  {
    version: 2,
    name: 'readiness probe',
    sql: 'CREATE TABLE readiness_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL);',
  },
  {
    version: 3,
    name: 'oauth identity in audit events',
    sql: `
      ALTER TABLE audit_events ADD COLUMN subject TEXT;
      ALTER TABLE audit_events ADD COLUMN issuer TEXT;
      ALTER TABLE audit_events ADD COLUMN client_id TEXT;
      CREATE INDEX audit_by_subject ON audit_events (subject, seq);
    `,
  },
  {
    version: 4,
    name: 'console sessions',
    sql: `
      CREATE TABLE console_sessions (
        id_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL
      );
      CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
    `,
  },
];

export async function pendingMigrations(pool: Pool): Promise<number[]> {
  await pool.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name ' +
      'TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((r) => Number(r.version)));
  return MIGRATIONS.filter((m) => !applied.has(m.version)).map((m) => m.version);
}

/** Applies pending migrations under an advisory lock, so gateway instances starting together don't race. */
export async function migrate(pool: Pool): Promise<void> {
  await transaction(pool, 'migrate', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(727365)');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name ' +
        'TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
  });
}
