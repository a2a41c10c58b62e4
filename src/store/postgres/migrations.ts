import { GENESIS_HASH } from '../../audit/chain.js';
import type { Pool } from './connection.js';
import { transaction } from './connection.js';
import { COMMON_MIGRATIONS, unknownMigrations, type AppliedMigration } from '../common-migrations.js';

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
  {
    version: 5,
    name: 'rate-limit take in one round trip',
    // takeToken (store/token-bucket.ts) in SQL, step for step in float8, so a take is one
    // statement instead of a five-round-trip transaction (rate-limits.ts). Instances still on
    // the old code take the same row lock, so a rolling upgrade stays exact.
    sql: `
      CREATE FUNCTION toolgate_take_tokens(
        p_key TEXT, p_capacity DOUBLE PRECISION, p_refill DOUBLE PRECISION, p_now BIGINT, p_want DOUBLE PRECISION
      ) RETURNS TABLE (allowed BOOLEAN, retry_after_ms DOUBLE PRECISION, remaining DOUBLE PRECISION, granted DOUBLE PRECISION)
      LANGUAGE plpgsql AS $$
      DECLARE
        b_tokens DOUBLE PRECISION;
        b_updated BIGINT;
        available DOUBLE PRECISION;
        taken DOUBLE PRECISION;
      BEGIN
        -- A new bucket starts full.
        INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES (p_key, p_capacity, p_now) ON CONFLICT (key) DO NOTHING;
        SELECT b.tokens, b.updated_ms INTO b_tokens, b_updated FROM rate_buckets b WHERE b.key = p_key FOR UPDATE;
        available := LEAST(p_capacity, b_tokens + (GREATEST(0, p_now - b_updated)::DOUBLE PRECISION / 1000) * p_refill);
        IF available >= 1 THEN
          taken := GREATEST(1, LEAST(floor(p_want), floor(available)));
          UPDATE rate_buckets SET tokens = available - taken, updated_ms = GREATEST(p_now, b_updated) WHERE key = p_key;
          RETURN QUERY SELECT true, 0::DOUBLE PRECISION, floor(available - taken), taken;
        ELSE
          UPDATE rate_buckets SET tokens = available, updated_ms = GREATEST(p_now, b_updated) WHERE key = p_key;
          RETURN QUERY SELECT false, ceil(((1 - available) / p_refill) * 1000), 0::DOUBLE PRECISION, 0::DOUBLE PRECISION;
        END IF;
      END;
      $$;
    `,
  },
  ...COMMON_MIGRATIONS,
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

/**
 * A migration's (and the wait for another instance's) deadline on the client: far past any index
 * build, short of forever (a server that vanished mid-migration must still end `serve` some day;
 * the pool's TCP keepalive notices a dead peer sooner). node-pg reads 0 as "the pool's own".
 */
const MIGRATION_DEADLINE_MS = 60 * 60_000;

/**
 * Applies pending migrations under an advisory lock, so gateway instances starting together don't
 * race; returns those the database records that this build does not know (unknownMigrations).
 */
export async function migrate(pool: Pool): Promise<AppliedMigration[]> {
  return transaction(pool, 'migrate', async (client) => {
    // A migration (and waiting for another instance's) may take longer than a request may: no
    // deadline on the server, and an hour on the client, whose query_timeout (10 s) had ended a
    // wait for another instance's migration, or a slow index build, with "Query read timeout" at
    // every start, the migration rolled back each time (outside probe).
    const migrating = (text: string) => {
      const query = { text, query_timeout: MIGRATION_DEADLINE_MS }; // read by node-pg, not in its types
      return client.query(query);
    };
    await migrating('SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0');
    await migrating('SELECT pg_advisory_xact_lock(727365)');
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name ' +
        'TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations',
    );
    const applied = new Set(rows.map((r) => Number(r.version)));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await migrating(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    }
    return unknownMigrations(
      rows.map((r) => ({ version: Number(r.version), name: r.name })),
      MIGRATIONS,
    );
  });
}
