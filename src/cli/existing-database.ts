import { existsSync } from 'node:fs';
import { isPostgresUrl } from '../store/open-store.js';

/**
 * Commands that only read or decide on what `serve` recorded (`audit`, `approvals`) must not
 * create a database: opening a mistyped path would make a new, empty one and `audit verify`
 * would report "0 events, chain intact" — an auditor reading that about a backup would be
 * misled. Null when `database` is a PostgreSQL URL or an existing file; else what to tell the user.
 */
export function missingDatabase(
  database: string,
  pointAt = 'Pass --db (or set TOOLGATE_DB / TOOLGATE_DATABASE_URL)',
): string | null {
  if (isPostgresUrl(database) || existsSync(database)) return null;
  return `No Toolgate database at ${database}. ${pointAt} to the one \`toolgate serve\` writes; this command never creates one.`;
}
