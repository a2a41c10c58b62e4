import { existsSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { AuditEventInput } from '../audit/event.js';
import { directoryInsteadOfFile } from '../store/sqlite/file-path.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { ownFileOf } from '../store/sqlite/own-files.js';
import { restoreSqliteCopy, type LogEnd } from '../store/sqlite/restore-copy.js';
import { hasWalData } from '../store/sqlite/staged-file.js';
import { newId } from '../util/ids.js';
import { isoTime } from '../util/iso-time.js';
import { parseCommand, usageError, type CliIo } from './args.js';
import { configuredSqliteDatabase } from './configured-database.js';
import { whatWentWrong } from './failure-line.js';
import { verifyCopy } from './verify-copy.js';

const USAGE = `Usage: toolgate restore COPY [--db FILE] [--config FILE] [--no-verify] [--new]

Puts a copy made by \`toolgate backup\` in place of the SQLite database. Stop the gateway first:
restore refuses while a gateway has the database open. It checks the copy's audit chain as
\`toolgate audit verify\` does, keeps the database it replaces as <db>.replaced-<time> (whole:
its -wal folded in), removes the replaced file's -wal and -shm (SQLite would apply them to the
copy), and appends one event to the restored log recording the restore: who ran it, from which
copy, and where the replaced log ended. Events recorded after the copy was made are not in the
restored log; they stay in the kept file. The copy itself is not changed. For PostgreSQL, use
pg_restore.
Exit 0 restored, 1 the copy's chain is TAMPERED (nothing changed), 2 not restored.
Set TOOLGATE_AUDIT_KEY when the chain is an HMAC chain.
  COPY                The copy to restore
  --db FILE           (default: TOOLGATE_DB, the config's database or .toolgate/toolgate.db)
  --config FILE       The config whose database to replace (default: TOOLGATE_CONFIG or ./toolgate.config.*)
  --no-verify         Do not check the copy's chain first (it is still opened with the audit key)
  --new               There is no database yet (a new machine): the copy becomes it. Without
                      it, a database path with nothing there (a typo in --db?) is refused`;

const OPTIONS = {
  db: { type: 'string' },
  config: { type: 'string' },
  'no-verify': { type: 'boolean' },
  new: { type: 'boolean' },
} as const;

/** `toolgate restore COPY`: a backup put in place of a stopped gateway's SQLite database. */
export async function runRestoreCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, { usage: USAGE, options: OPTIONS, positionals: true });
  if (typeof parsed === 'number') return parsed;
  const [source, extra] = parsed.positionals;
  if (source === undefined) return usageError(io, USAGE, 'Name the copy to restore (COPY).');
  if (extra !== undefined) return usageError(io, USAGE, `Unexpected argument "${extra}".`);
  const { values } = parsed;
  const configured = await configuredSqliteDatabase('restore', values, io, USAGE, 'restore it with pg_restore');
  if (configured === 2) return 2;
  // The file a link names: replacing the link would leave the data where it was, and keep only
  // a link as the "replaced" file.
  const database = existsSync(configured) ? realpathSync(configured) : resolve(configured);
  // A link to nothing: "pass --new" would be wrong, and --new then met the link itself.
  if (lstatSync(database, { throwIfNoEntry: false })?.isSymbolicLink())
    return usageError(
      io,
      USAGE,
      `${configured} is a symbolic link to ${readlinkSync(database)}, which does not exist; name the database file itself.`,
    );
  const copy = resolve(source);
  const refused =
    directoryInsteadOfFile(database) ??
    notAFile(database) ??
    newOrNot(database, values.new === true) ??
    unusableCopy(source, copy, database);
  if (refused) return usageError(io, USAGE, refused);

  if (!values['no-verify']) {
    io.stderr.write(`checking ${source}…\n`);
    // The same check, and the same exit codes, as `toolgate audit verify --db COPY`.
    const verified = await verifyCopy(copy, io, 'restore');
    if (verified !== 0) {
      io.stderr.write(`toolgate restore: ${database} was not replaced.\n`);
      return verified;
    }
  }
  io.stderr.write(`restoring ${source} to ${database}…\n`);
  let restored: Awaited<ReturnType<typeof restoreSqliteCopy>>;
  let recorded: { seq: number } | undefined;
  try {
    restored = await restoreSqliteCopy(copy, database, async (staged, replaced) => {
      recorded = await recordRestore(staged, io.env.TOOLGATE_AUDIT_KEY, { copy, database, replaced });
    });
  } catch (error) {
    io.stderr.write(`toolgate restore: ${whatWentWrong(error)}; ${database} was not replaced.\n`);
    return 2;
  }
  const end = recorded!.seq;
  io.stdout.write(`restored ${database} from ${copy}: ${end - 1} events, then event ${end} recording the restore\n`);
  const { replaced, warning } = restored;
  if (warning) io.stderr.write(`toolgate restore: ${warning}\n`);
  if (replaced) {
    const ended = replaced.end ? `ended at event ${replaced.end.seq}` : 'had no events';
    io.stdout.write(`the replaced database (its log ${ended}) is kept at ${replaced.keptAt}\n`);
  }
  return 0;
}

/** A database path naming a device or a pipe: replacing it would replace the node itself. */
function notAFile(database: string): string | null {
  return existsSync(database) && !statSync(database).isFile()
    ? `${database} is not a regular file; name the database file.`
    : null;
}

/**
 * A path with no database is a new machine only when the user says so: restoring onto a mistyped
 * `--db` made a new database (and its directory) and exited 0, and the operator believed the
 * live one restored. `--new` where there is a database is refused too: it would be replaced.
 */
function newOrNot(database: string, saysNew: boolean): string | null {
  const there = existsSync(database);
  if (!there && !saysNew)
    return `No database at ${database}. If this machine has none yet and the copy should become it, pass --new; otherwise check --db, TOOLGATE_DB or the config.`;
  if (there && saysNew) return `--new, but there is a database at ${database}; leave out --new to replace it.`;
  return null;
}

/** Why COPY cannot be restored, or null. */
function unusableCopy(source: string, copy: string, database: string): string | null {
  if (!existsSync(copy)) return `No file at ${source}.`;
  const found = statSync(copy);
  if (found.isDirectory()) return `${source} is a directory; name the copy's file.`;
  // A pipe or a device would be read without end (/dev/zero) or block (a FIFO).
  if (!found.isFile()) return `${source} is not a regular file; name a copy made by \`toolgate backup\`.`;
  const own = ownFileOf(database, copy);
  if (own) return `COPY is ${own}; name a copy made by \`toolgate backup\`.`;
  // Its own -wal would be left behind: the copy alone is not what that database holds.
  if (hasWalData(copy))
    return `${source} has a -wal file with data beside it: a database in use, or one a process did not close; make a copy with \`toolgate backup\`.`;
  return null;
}

/**
 * Appends the restore's own event to the restored log, sealed after the copy's last event: the
 * chain then says that it was restored, by whom, from what, and where the replaced log ended.
 * Opening the store migrates an older copy as `serve` would, and refuses a copy whose chain
 * another key seals.
 */
async function recordRestore(
  staged: string,
  auditKey: string | undefined,
  what: { copy: string; database: string; replaced: LogEnd | null },
): Promise<{ seq: number }> {
  const store = await openSqliteStore({ path: staged, auditKey }).catch((error: unknown) => {
    // The staging file is gone by the time this is read: name the database it was to become.
    throw new Error(whatWentWrong(error).replaceAll(staged, what.database), { cause: error });
  });
  const now = Date.now();
  try {
    const event: AuditEventInput = {
      id: newId('aud', now),
      time: isoTime(now),
      kind: 'store.restored',
      requestId: null,
      callId: null,
      surface: 'cli',
      client: 'toolgate restore',
      actor: operator(),
      tenant: null,
      tool: 'toolgate restore',
      decision: 'allow',
      reason: `restored from ${what.copy}`,
      outcome: 'ok',
      errorCode: null,
      inputSummary: JSON.stringify({ copy: what.copy, database: what.database }),
      outputSummary: null,
      resultBytes: 0,
      resultTokens: 0,
      sourceIds: [],
      latencyMs: 0,
      data: { copy: what.copy, replacedEnd: what.replaced },
    };
    return await store.audit.append(event);
  } finally {
    await store.close();
  }
}

/** Who ran the command: the operating-system user (the CLI has no other identity). */
function operator(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown'; // no passwd entry, as in some containers
  }
}
