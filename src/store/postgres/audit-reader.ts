import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import type { AuditReading } from '../types.js';
import { PgAuditLog } from './audit-log.js';
import { createPool, mapPgError } from './connection.js';

/**
 * The audit log on a PostgreSQL server, only to read it (`toolgate audit`): no migrations, and
 * every transaction read-only (`default_transaction_read_only`), so a newer CLI checking a
 * production database never changes the schema under the gateways that serve from it.
 */
export async function openPostgresAuditReader(
  connectionString: string,
  auditKey?: string,
): Promise<{ readonly audit: AuditReading; close(): Promise<void> }> {
  const pool = createPool(connectionString, { max: 2, readOnly: true });
  try {
    const { rows } = await pool.query<{ events: boolean; head: boolean }>(
      "SELECT to_regclass('audit_events') IS NOT NULL AS events, to_regclass('audit_head') IS NOT NULL AS head",
    );
    if (!rows[0]?.events || !rows[0].head)
      throw new StoreUnavailableError('this PostgreSQL database has no Toolgate audit log (no audit_events table).');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw mapPgError('open the audit log', error);
  }
  return {
    audit: new PgAuditLog(pool, auditKey ? Buffer.from(auditKey, 'utf8') : undefined),
    close: () => pool.end(),
  };
}
