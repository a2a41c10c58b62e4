import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
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
  // A relative path is resolved against the working directory, not the config's: say where.
  const where = isAbsolute(database) ? database : `${database} (${resolve(database)})`;
  return `No Toolgate database at ${where}. ${pointAt} to the one \`toolgate serve\` writes; this command never creates one.`;
}
