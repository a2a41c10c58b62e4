import { resolve } from 'node:path';
import { openPostgresAuditReader } from './postgres/audit-reader.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteAuditReader } from './sqlite/audit-reader.js';
import { openSqliteStore } from './sqlite/index.js';
import { createLeasedRateLimits } from './rate-limit-leases.js';
import type { AuditReading, Store } from './types.js';

import { isPostgresUrl } from './database-url.js';

export { isPostgresUrl };

/**
 * Opens the store a `database` setting names: a `postgres://` URL (several gateway instances share
 * it) or a SQLite file path (one instance, zero set-up).
 */
export async function openStore(options: {
  readonly database: string;
  readonly auditKey?: string | undefined;
  /** PostgreSQL: connections this instance may hold (TOOLGATE_DATABASE_POOL; default 10). */
  readonly databasePool?: number | undefined;
  /** Hand rate-limit tokens out from per-instance leases (default true; see rate-limit-leases.ts). */
  readonly leaseRateLimits?: boolean;
}): Promise<Store> {
  const auditKey = options.auditKey ? { auditKey: options.auditKey } : {};
  const store = isPostgresUrl(options.database)
    ? await openPostgresStore({
        connectionString: options.database,
        ...auditKey,
        ...(options.databasePool === undefined ? {} : { maxConnections: options.databasePool }),
      })
    : await openSqliteStore({ path: options.database, ...auditKey });
  if (options.leaseRateLimits === false) return store;
  return { ...store, rateLimits: createLeasedRateLimits(store.rateLimits) };
}

/** The audit log to read (`toolgate audit`), and the way to let go of it. */
export interface AuditSource {
  readonly audit: AuditReading;
  close(): Promise<void>;
}

/**
 * Opens the audit log a `database` setting names, only to read it: nothing is migrated or written.
 * A SQLite file is opened read-only and left as it was, so checking a backup never changes it;
 * a PostgreSQL server gets read-only transactions (sqlite/ and postgres/audit-reader.ts).
 */
export async function openAuditSource(options: {
  readonly database: string;
  readonly auditKey?: string | undefined;
}): Promise<AuditSource> {
  return isPostgresUrl(options.database)
    ? openPostgresAuditReader(options.database, options.auditKey)
    : openSqliteAuditReader(options.database, options.auditKey);
}

/**
 * Where the audit log is, for startup lines (the CLI's and the JSON log's): a relative SQLite path follows the working
 * directory, not the config file, so it is shown resolved; a PostgreSQL URL without its password
 * or its query.
 */
export function describeDatabase(database: string): string {
  if (!isPostgresUrl(database)) return resolve(database);
  try {
    // Query parameters go too: pg reads ?password= and ?sslpassword= as well (found in review).
    const url = new URL(database);
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return 'PostgreSQL (TOOLGATE_DATABASE_URL)';
  }
}
