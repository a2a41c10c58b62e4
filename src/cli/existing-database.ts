import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isPostgresUrl, openAuditSource } from '../store/open-store.js';
import { whatWentWrong } from './failure-line.js';

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

/**
 * Why `database` is not one `serve` made, or null when it is. Commands that open the whole store
 * (`approvals`) migrate it: a TOOLGATE_DB naming another application's SQLite file, or an empty
 * one, was given Toolgate's tables and a `-rates` file beside it (outside probe). Looked at
 * read-only, as `audit` reads: a database with Toolgate's audit log, SQLite or PostgreSQL.
 */
export async function notToolgateDatabase(database: string): Promise<string | null> {
  try {
    const source = await openAuditSource({ database });
    await source.close();
    return null;
  } catch (error) {
    return whatWentWrong(error);
  }
}
