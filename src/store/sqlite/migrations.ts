import type { Db } from './connection.js';
import { COMMON_MIGRATIONS, unknownMigrations, type AppliedMigration } from '../common-migrations.js';

/**
 * Numbered schema migrations, applied in order inside one transaction each and recorded in
 * `schema_migrations`. Never edit a shipped migration: add the next number.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'audit, rate limits, idempotency, drafts',
    sql: `
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        request_id TEXT,
        call_id TEXT,
        surface TEXT NOT NULL,
        client TEXT NOT NULL,
        actor TEXT NOT NULL,
        tenant TEXT,
        tool TEXT NOT NULL,
        decision TEXT NOT NULL,
        reason TEXT NOT NULL,
        outcome TEXT NOT NULL,
        error_code TEXT,
        input_summary TEXT NOT NULL,
        output_summary TEXT,
        result_bytes INTEGER NOT NULL,
        result_tokens INTEGER NOT NULL,
        source_ids TEXT NOT NULL,
        latency_ms INTEGER NOT NULL,
        data TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_by_actor ON audit_events (actor, seq);
      CREATE INDEX audit_by_tool ON audit_events (tool, seq);
      CREATE INDEX audit_by_tenant ON audit_events (tenant, seq);
      CREATE INDEX audit_by_time ON audit_events (time);
      CREATE TABLE audit_head (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
      CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_ms INTEGER NOT NULL);
      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL, result TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL
      );
      CREATE TABLE drafts (
        id TEXT PRIMARY KEY, tool TEXT NOT NULL, tenant TEXT NOT NULL, requester TEXT NOT NULL, client TEXT NOT NULL,
        risk TEXT NOT NULL, input TEXT NOT NULL, preview TEXT NOT NULL, draft_hash TEXT NOT NULL, status TEXT NOT NULL,
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL, state TEXT NOT NULL
      );
      CREATE INDEX drafts_by_status ON drafts (status, created_at);
    `,
  },
  {
    version: 2,
    name: 'readiness probe',
    // One row, rewritten by every /readyz: proves the store can commit a write (a full disk or a
    // read-only file fails here) without growing anything.
    sql: 'CREATE TABLE readiness_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL);',
  },
  {
    version: 3,
    name: 'oauth identity in audit events',
    // NULL on older events: the hash chain leaves absent fields out, so they still verify.
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
    // Issue #12: console sessions and pending OIDC sign-ins, shared by every instance. Only a
    // digest of the cookie value is stored.
    sql: `
      CREATE TABLE console_sessions (
        id_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL
      );
      CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
    `,
  },
  {
    version: 5,
    name: 'rate buckets in their own file',
    // Issue #15: buckets live in `<db>-rates` (rate-limit-file.ts), which carries these over first.
    sql: 'DROP TABLE rate_buckets;',
  },
  ...COMMON_MIGRATIONS,
];

/** The migrations the database records (the table is created when missing). */
function appliedMigrations(db: Db): AppliedMigration[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name ' +
      'TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  return db.prepare('SELECT version, name FROM schema_migrations').all() as AppliedMigration[];
}

export function pendingMigrations(db: Db, applied = appliedMigrations(db)): number[] {
  const versions = new Set(applied.map((m) => m.version));
  return MIGRATIONS.filter((m) => !versions.has(m.version)).map((m) => m.version);
}

/**
 * Applies the pending migrations; returns those the database records that this build does not
 * know (common-migrations.ts, unknownMigrations).
 */
export function migrate(db: Db): AppliedMigration[] {
  const applied = appliedMigrations(db);
  for (const version of pendingMigrations(db, applied)) {
    const migration = MIGRATIONS.find((m) => m.version === version);
    if (!migration) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        version,
        migration.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
  return unknownMigrations(applied, MIGRATIONS);
}
