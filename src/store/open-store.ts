import { openPostgresStore } from './postgres/index.js';
import { openSqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

/**
 * Opens the store a `database` setting names: a `postgres://` URL (several gateway instances share
 * it) or a SQLite file path (one instance, zero set-up).
 */
export function openStore(options: {
  readonly database: string;
  readonly auditKey?: string | undefined;
}): Promise<Store> {
  const auditKey = options.auditKey ? { auditKey: options.auditKey } : {};
  return /^postgres(?:ql)?:\/\//.test(options.database)
    ? openPostgresStore({ connectionString: options.database, ...auditKey })
    : openSqliteStore({ path: options.database, ...auditKey });
}
