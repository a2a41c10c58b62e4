import { statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Why a SQLite database setting that names a directory cannot work, or null. SQLite's own words
 * for it are "unable to open database file" (serving) and "disk I/O error" (reading read-only),
 * which send people looking at their disk rather than at the setting.
 */
export function directoryInsteadOfFile(path: string): string | null {
  try {
    if (!statSync(path).isDirectory()) return null;
  } catch {
    return null; // missing is fine here: serving creates it, reading says it is missing
  }
  return `${path} is a directory; the database setting names a SQLite file, e.g. ${join(path, 'toolgate.db')}.`;
}
