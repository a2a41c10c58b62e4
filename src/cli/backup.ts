import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { directoryInsteadOfFile } from '../store/sqlite/file-path.js';
import { copySqliteOnline } from '../store/sqlite/online-backup.js';
import { ownFileOf } from '../store/sqlite/own-files.js';
import { hasWalData } from '../store/sqlite/staged-file.js';
import { parseCommand, usageError, type CliIo } from './args.js';
import { configuredSqliteDatabase } from './configured-database.js';
import { missingDatabase } from './existing-database.js';
import { whatWentWrong } from './failure-line.js';
import { verifyCopy } from './verify-copy.js';

const USAGE = `Usage: toolgate backup DEST [--db FILE] [--config FILE] [--force] [--no-verify]

Copies the SQLite database to DEST while the gateway keeps running, then checks the copy's audit
chain as \`toolgate audit verify\` does. The copy is one consistent moment of the database,
including what is still in its -wal file: SQLite's online backup, read in one transaction that
does not stop the gateway's writes. Copying the file with cp is not safe: it misses the events
not yet checkpointed, and a checkpoint during the copy tears it. DEST appears only when it is
complete (written beside it first, synced, then renamed). The rate-limit file beside the
database (<db>-rates) holds only counters and is not copied. For PostgreSQL, use pg_dump.
To restore it: stop the gateway and run \`toolgate restore DEST\`.
Exit 0 copied and intact, 1 copied but the chain is TAMPERED, 2 not copied or not checkable.
Set TOOLGATE_AUDIT_KEY when the chain is an HMAC chain.
  DEST                The file to write (refused if it exists, unless --force)
  --db FILE           (default: TOOLGATE_DB, the config's database or .toolgate/toolgate.db)
  --config FILE       The config whose database to copy (default: TOOLGATE_CONFIG or ./toolgate.config.*)
  --force             Replace DEST if it exists
  --no-verify         Copy only; do not check the chain (e.g. where the audit key is not at hand)`;

const OPTIONS = {
  db: { type: 'string' },
  config: { type: 'string' },
  force: { type: 'boolean' },
  'no-verify': { type: 'boolean' },
} as const;

/** `toolgate backup DEST`: an online, consistent copy of a SQLite store, then its chain checked. */
export async function runBackupCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, { usage: USAGE, options: OPTIONS, positionals: true });
  if (typeof parsed === 'number') return parsed;
  const [target, extra] = parsed.positionals;
  if (target === undefined) return usageError(io, USAGE, 'Name the file to write the copy to (DEST).');
  if (extra !== undefined) return usageError(io, USAGE, `Unexpected argument "${extra}".`);
  const { values } = parsed;
  const database = await configuredSqliteDatabase('backup', values, io, USAGE, 'back it up with pg_dump');
  if (database === 2) return 2;
  const refused =
    directoryInsteadOfFile(database) ?? missingDatabase(database) ?? unusableDest(target, database, values);
  if (refused) return usageError(io, USAGE, refused);
  const dest = resolve(target);
  const wal = existsSync(`${database}-wal`) ? statSync(`${database}-wal`).size : 0;
  const onDisk = `${megabytes(statSync(database).size + wal)}${wal > 0 ? ' with its -wal' : ''}`;
  const destExisted = existsSync(dest);
  const started = performance.now();
  let copied: { bytes: number };
  try {
    copied = await copySqliteOnline(database, dest, () => io.stderr.write(`copying ${database} (${onDisk})…\n`));
  } catch (error) {
    io.stderr.write(
      `toolgate backup: could not copy ${database}: ${whatWentWrong(error)}; ` +
        (destExisted ? `${target} was left as it was.\n` : `nothing was written to ${target}.\n`),
    );
    return 2;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  io.stderr.write(`copied to ${dest} (${megabytes(copied.bytes)}) in ${seconds} s\n`);
  if (values['no-verify']) return 0;
  // The same check, and the same exit codes, as `toolgate audit verify --db DEST`.
  return verifyCopy(dest, io, 'backup');
}

/** Why DEST cannot be written, or null. */
function unusableDest(target: string, database: string, values: { force?: boolean }): string | null {
  const dest = resolve(target);
  const own = ownFileOf(database, dest);
  if (own) return `DEST is ${own}; name a file of its own.`;
  if (existsSync(dest)) {
    const found = statSync(dest);
    if (found.isDirectory()) return `${target} is a directory; name a file in it.`;
    // A device or a pipe: `--force` renamed the copy over it (as root, /dev/null became a file).
    if (!found.isFile()) return `${target} is not a regular file; name a file of its own.`;
    if (!values.force) return `${target} exists; pass --force to replace it.`;
    // Replacing a database something still writes would lose what its -wal holds.
    if (hasWalData(dest))
      return `${target} has a -wal file with data beside it: a database in use, or one a process did not close; stop what uses it or move it away first.`;
  }
  const directory = dirname(dest);
  if (!existsSync(directory)) return `The directory ${dirname(target)} does not exist.`;
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    return `Cannot write in ${dirname(target)}.`;
  }
  return null;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
