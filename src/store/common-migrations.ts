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
  {
    version: 8,
    name: 'drafts by tenant and requester',
    // Outside probe, 2026-12-07: the cap on waiting drafts counts a requester's (and a tenant's)
    // drafts awaiting approval on every draft, and the approvers' lists page through a tenant's
    // drafts on (created_at, id); drafts_by_status served neither once a table holds thousands.
    sql: `
      CREATE INDEX drafts_waiting_by_requester ON drafts (tenant, requester, status, expires_at);
      CREATE INDEX drafts_by_tenant_status ON drafts (tenant, status, created_at, id);
      CREATE INDEX drafts_by_tenant ON drafts (tenant, created_at, id);
    `,
  },
] as const;

/** A migration recorded in the database's `schema_migrations`. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

/**
 * The migrations a database records that this build does not know: a newer Toolgate opened it
 * (a rolling upgrade under way, or a rollback). Such a store is still served — migrations only
 * add tables, columns and indexes — but the gateway says so at start (gateway/runtime.ts).
 */
export function unknownMigrations(
  applied: readonly AppliedMigration[],
  known: readonly { readonly version: number }[],
): AppliedMigration[] {
  const versions = new Set(known.map((m) => m.version));
  return applied.filter((m) => !versions.has(m.version)).sort((a, b) => a.version - b.version);
}
