import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { rateLimitFilePath } from './rate-limit-file.js';
import { SQLITE_SIDECARS } from './staged-file.js';

/**
 * Which of the database's own files `path` is, if any: the file itself or one SQLite and the
 * gateway keep beside it. `backup --force` onto the live `-wal` would destroy committed events;
 * `restore` from the live database or its `-wal` would restore nothing. Compared after resolving
 * symbolic links, so a link to one of them is caught too.
 */
export function ownFileOf(database: string, path: string): string | null {
  const real = (file: string) => (existsSync(file) ? realpathSync(file) : resolve(file));
  const target = real(path);
  for (const file of [database, rateLimitFilePath(database)]) {
    for (const sidecar of ['', ...SQLITE_SIDECARS]) {
      if (real(`${file}${sidecar}`) !== target) continue;
      return file === database && !sidecar
        ? 'the database itself'
        : `the database's ${file.slice(database.length)}${sidecar} file`;
    }
  }
  return null;
}
