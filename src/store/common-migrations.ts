/**
 * Migrations whose SQL is the same on SQLite and PostgreSQL (plain TEXT tables), listed once and
 * appended to both stores' lists under the same version numbers.
 */
export const COMMON_MIGRATIONS = [
  {
    version: 6,
    name: 'audit outbox for draft changes',
    // A draft change and its audit event, queued in one transaction (QueuedAudit in store/types.ts).
    sql: `
      CREATE TABLE audit_outbox (id TEXT PRIMARY KEY, draft_id TEXT NOT NULL, event TEXT NOT NULL, queued_at TEXT NOT NULL);
      CREATE INDEX audit_outbox_by_time ON audit_outbox (queued_at);
    `,
  },
  {
    version: 7,
    name: 'audit key check',
    // Which key the chain is sealed with (audit/key-check.ts), recorded by the first gateway to open it.
    sql: 'CREATE TABLE audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);',
  },
] as const;
