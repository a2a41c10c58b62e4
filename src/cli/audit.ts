import { lstatSync } from 'node:fs';
import type { AuditAnchor, AuditEvent, AuditFilter } from '../audit/event.js';
import { isPostgresUrl, openAuditSource, type AuditSource } from '../store/open-store.js';
import { parseCommand, positiveInteger, usageError, wantsHelp, type CliIo } from './args.js';
import { missingDatabase } from './existing-database.js';
import { whatWentWrong } from './failure-line.js';
import { keyMismatch } from '../audit/key-check.js';
import { parseAnchor } from '../audit/anchor-text.js';
import { jsonShowingInvisible, showInvisibleInLine } from '../guard/invisible.js';
import { bothWheres, configuredDatabase } from './configured-database.js';
import { exportJsonl } from './audit-export.js';
import { waitingOutOutages } from './audit-follow.js';

const FILTERS =
  'Filters: --actor ID --subject SUB --tool NAME --tenant ID --kind KIND --outcome ok|denied|error --since ISO --until ISO';
const DB =
  "--db FILE|postgres://URL   (default: TOOLGATE_DATABASE_URL, TOOLGATE_DB, the config's database or .toolgate/toolgate.db)\n" +
  '  --config FILE              The config whose database to read (default: TOOLGATE_CONFIG or ./toolgate.config.*)';
const USAGES = {
  verify: `Usage: toolgate audit verify [--db …] [--anchor SEQ:HASH] [--json]

Walks the whole hash chain and names the first event that was changed, removed or reordered.
Exit 0 when intact, 1 when tampered, 2 when it cannot be checked (no such database, not a
Toolgate one, unreadable, or damaged part way: the line says up to which event it checked out).
Treat any exit but 0 as an alarm. A SQLite file is only read: never migrated or written, so a backup
can be checked as it is. Set TOOLGATE_AUDIT_KEY when the chain is an HMAC chain.
The chain cannot show that its newest events were removed with the head record moved back, or,
without the key, that it was recomputed: keep the "head SEQ:HASH" this prints (or the gateway's
"audit checkpoint" log lines) off this machine, and pass it back as --anchor to check the log
still holds that event.
  ${DB}
  --anchor SEQ:HASH   Also fail (exit 1) unless event SEQ is in the log with this hash
  --json              The report as JSON
  -h, --help`,
  tail: `Usage: toolgate audit tail [--db …] [filters] [--limit N] [--follow]

Shows recent audit events, oldest first; --follow keeps printing new ones until Ctrl-C.
  ${DB}
  ${FILTERS}
  -h, --help`,
  export: `Usage: toolgate audit export [--format jsonl] [--out FILE [--force]] [--db …] [filters] [--follow]

Streams events as JSON lines in chain order, in constant memory however long the log is.
--since takes an ISO time, or an event id (aud_…) to resume after that event;
--follow keeps streaming new events until Ctrl-C. An existing FILE is replaced only with --force.
  ${DB}
  ${FILTERS} --limit N
  -h, --help`,
} as const;
const USAGE = `Usage: toolgate audit verify|tail|export [options]

${Object.values(USAGES)
  .map((u) => u.split('\n')[0]!.replace('Usage: ', '  '))
  .join('\n')}

Run \`toolgate audit <command> --help\` for the options of each.`;

const WHERE = { db: { type: 'string' }, config: { type: 'string' } } as const;
const FILTER_OPTIONS = {
  actor: { type: 'string' },
  subject: { type: 'string' },
  tool: { type: 'string' },
  tenant: { type: 'string' },
  kind: { type: 'string' },
  outcome: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
} as const;
/**
 * Each subcommand's own flags, as its usage lists them: a flag only a sibling uses (`verify --out
 * x`, `tail --force`) is refused as unknown rather than accepted and ignored.
 */
const OPTIONS = {
  verify: { ...WHERE, anchor: { type: 'string' }, json: { type: 'boolean' } },
  tail: { ...WHERE, ...FILTER_OPTIONS, follow: { type: 'boolean' } },
  export: {
    ...WHERE,
    ...FILTER_OPTIONS,
    format: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    follow: { type: 'boolean' },
  },
} as const;
/** Every flag any subcommand takes, each possibly absent: what the code below reads. */
type AuditValues = {
  -readonly [K in keyof typeof OPTIONS.export | 'json' | 'anchor']?: K extends 'force' | 'follow' | 'json'
    ? boolean
    : string;
};

/**
 * `toolgate audit verify|tail|export`. Returns the exit code: 0 ok, 1 tampered, 2 a usage error or
 * a database that cannot be read (at all, or past some event).
 */
export async function runAuditCommand(argv: string[], io: CliIo, open = defaultSource): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'verify' && sub !== 'tail' && sub !== 'export') {
    if (sub !== undefined && wantsHelp([sub])) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    // Bare, a usage error as bare `connect` is: `toolgate audit $VERB` with VERB unset exited 0.
    if (sub === undefined) return usageError(io, USAGE, 'Name a command: verify, tail or export.');
    const what = sub.startsWith('-') ? `Unknown option "${sub}"` : `Unknown audit command "${sub}"`;
    return usageError(io, USAGE, `${what}.`);
  }
  const parsed = parseCommand(rest, io, { usage: USAGES[sub], options: OPTIONS[sub] });
  if (typeof parsed === 'number') return parsed;
  const given = parsed.values as AuditValues;
  const { since, ...rest2 } = given;
  // An event id resumes an export after that event; a time filters by time.
  const sinceId = sub === 'export' && since?.startsWith('aud_') ? since : undefined;
  const values: AuditValues = sinceId ? rest2 : given;
  const filter = filterFrom(values);
  if (typeof filter === 'string') return usageError(io, USAGES[sub], filter);
  if (sub === 'export' && values.format !== undefined && values.format !== 'jsonl') {
    return usageError(io, USAGES.export, `--format ${values.format} is not supported; jsonl is the only format.`);
  }
  // An earlier export is evidence: replaced only when asked, as `backup` treats its DEST. What is
  // not itself a regular file (a pipe, a link such as /dev/stdout, which leads to wherever stdout
  // was redirected) is written to, as before.
  const existing = sub === 'export' && values.out !== undefined ? statOrNothing(values.out) : undefined;
  if (sub === 'export' && existing?.isFile() && !values.force) {
    return usageError(io, USAGES.export, `${values.out} exists; pass --force to replace it.`);
  }
  const anchor = values.anchor === undefined ? undefined : parseAnchor(values.anchor, '--anchor');
  if (typeof anchor === 'string') return usageError(io, USAGES.verify, anchor);
  const both = bothWheres(values);
  if (both) return usageError(io, USAGES[sub], both);
  const database = values.db ?? (await configuredDatabase(values.config, io.env));
  const missing = missingDatabase(database);
  if (missing) return usageError(io, USAGES[sub], missing);
  let source: AuditSource;
  try {
    source = await open(database, io.env.TOOLGATE_AUDIT_KEY);
  } catch (error) {
    // Not "tampered" (exit 1): the chain was never looked at.
    io.stderr.write(`toolgate audit ${sub}: ${whatWentWrong(error)}\n`);
    return 2;
  }
  try {
    if (sub === 'verify') return await verify(source, io, values.json === true, anchor);
    // Following PostgreSQL, a restart or failover is waited out rather than ending the stream.
    const outages = values.follow === true && isPostgresUrl(database);
    if (sub === 'tail') return await tail(source, filter, { follow: values.follow === true, outages }, io);
    let afterSeq = 0;
    if (sinceId) {
      const from = await source.audit.get(sinceId);
      if (!from) return usageError(io, USAGES.export, `--since ${sinceId}: no such event in ${database}.`);
      afterSeq = from.seq;
    }
    const { out, force = false, follow = false } = values;
    const overwrite = force || (existing !== undefined && !existing.isFile());
    // A regular file an export that ends by itself writes is staged and renamed into place.
    const stage = out !== undefined && !follow && (existing === undefined || existing.isFile());
    return await exportJsonl(source, filter, { out, overwrite, stage, follow, outages, afterSeq }, io);
  } catch (error) {
    // Part way through: a damaged page, the server gone. Still not "tampered" (exit 1): nothing
    // was found changed, the rest just could not be read. The line says how far it got.
    io.stderr.write(`toolgate audit ${sub}: ${whatWentWrong(error)}\n`);
    return 2;
  } finally {
    await source.close();
  }
}

function defaultSource(database: string, auditKey: string | undefined): Promise<AuditSource> {
  return openAuditSource({ database, auditKey });
}

function filterFrom(values: Record<string, string | boolean | undefined>): AuditFilter | string {
  const filter: { -readonly [K in keyof AuditFilter]: AuditFilter[K] } = {};
  for (const key of ['actor', 'subject', 'tool', 'tenant', 'kind'] as const)
    if (typeof values[key] === 'string') filter[key] = values[key];
  if (values.outcome !== undefined) {
    if (!['ok', 'denied', 'error'].includes(String(values.outcome)))
      return `--outcome must be ok, denied or error (got "${values.outcome}").`;
    filter.outcome = values.outcome as AuditFilter['outcome'];
  }
  for (const key of ['since', 'until'] as const) {
    const value = values[key];
    if (value === undefined) continue;
    // A date first, as ISO 8601 has it: `new Date('5')` is the year 2005 (outside probe).
    const time = new Date(String(value));
    if (!/^\d{4}-\d{2}-\d{2}/.test(String(value)) || Number.isNaN(time.getTime()))
      return `--${key} must be an ISO time such as 2026-06-01T00:00:00Z (got "${value}").`;
    filter[key] = time.toISOString();
  }
  if (values.limit !== undefined) {
    const limit = positiveInteger(String(values.limit));
    if (limit === null) return `--limit must be a positive integer (got "${values.limit}").`;
    filter.limit = limit;
  }
  return filter;
}

/** `audit verify` says how far it got every this many events (~1.5 s of walking on our machine). */
const VERIFY_PROGRESS_LINE = 100_000;

async function verify(source: AuditSource, io: CliIo, json: boolean, anchor?: AuditAnchor): Promise<number> {
  // A key that is not the log's is "cannot be checked" (2), not "tampered" (1): before, a missing
  // or wrong TOOLGATE_AUDIT_KEY reported an untouched log TAMPERED at its first event.
  const key = io.env.TOOLGATE_AUDIT_KEY ? Buffer.from(io.env.TOOLGATE_AUDIT_KEY, 'utf8') : undefined;
  const recorded = await source.audit.recordedKeyCheck();
  const mismatch = keyMismatch(recorded, key);
  if (mismatch) {
    if (json) io.stdout.write(`${jsonShowingInvisible({ ok: false, checked: false, message: mismatch }, 2)}\n`);
    io.stderr.write(`toolgate audit verify: cannot check the chain: ${mismatch}.\n`);
    return 2;
  }
  // Progress on stderr, so `--json` on stdout stays one document: a month of a busy gateway's log
  // takes minutes to walk (~15 µs an event here), and a silent terminal looks hung.
  // A line each time the count passes another VERIFY_PROGRESS_LINE, however often the store
  // reports (it need not report at multiples of it).
  let said = 0;
  const progress = (checked: number) => {
    if (Math.floor(checked / VERIFY_PROGRESS_LINE) <= said) return;
    said = Math.floor(checked / VERIFY_PROGRESS_LINE);
    io.stderr.write(`checked ${checked} events…\n`);
  };
  const report = await source.audit.verify(anchor, progress);
  if (json) {
    // The report quotes ids from the file: hidden characters escaped, as in `export`.
    io.stdout.write(`${jsonShowingInvisible(anchor ? { ...report, anchor } : report, 2)}\n`);
    return report.ok ? 0 : 1;
  }
  if (report.ok) {
    const held = anchor ? `, anchor ${anchor.seq} holds` : '';
    io.stdout.write(`ok: ${report.count} events, chain intact${held}, head ${report.headSeq}:${report.headHash}\n`);
    return 0;
  }
  // The id and the message quote what is in the file, which the tamperer wrote: raw, a CR and an
  // erase-line code made the TAMPERED line read "ok: … chain intact" on a terminal (outside probe).
  const id = report.firstBadId ? ` (${report.firstBadId})` : '';
  io.stdout.write(
    showInvisibleInLine(`TAMPERED at seq ${report.firstBadSeq}${id}: ${report.message} [${report.problem}]`) + '\n',
  );
  // A log with no key record (0.1 wrote it, no 0.2 gateway has opened it) cannot say which key
  // it is sealed with, so a missing or wrong key reads exactly like this (upgrade probe).
  if (recorded === null && report.firstBadSeq === 1 && report.problem === 'hash_mismatch')
    io.stderr.write(
      'This log has no record of its audit key (Toolgate 0.1 wrote it): a missing or wrong TOOLGATE_AUDIT_KEY ' +
        'fails at event 1 like this. Check the key before treating the log as tampered.\n',
    );
  return 1;
}

/**
 * One event as a tab-separated line. Every text field is what some caller or database writer
 * chose (an actor from a token's `sub`, a tool name a model asked for, an id in an edited file),
 * so each is shown with its hidden characters, tabs and line breaks as [U+…]: raw, an escape
 * sequence cleared the screen and a CR LF printed a forged line under a real one (outside probe).
 */
export function formatEvent(e: AuditEvent): string {
  const what = e.outcome === 'ok' ? `ok ${e.resultBytes}B` : `${e.outcome} ${e.errorCode ?? ''}`.trim();
  // The kind: an approval and a rejection by one person of one draft printed alike (outside probe).
  return [
    e.seq,
    e.time,
    e.kind,
    `${e.actor}@${e.tenant ?? '-'}`,
    `${e.client}/${e.surface}`,
    e.tool,
    what,
    `${e.latencyMs}ms`,
    e.id,
  ]
    .map((field) => showInvisibleInLine(String(field)))
    .join('\t');
}

async function tail(
  source: AuditSource,
  filter: AuditFilter,
  { follow, outages }: { readonly follow: boolean; readonly outages: boolean },
  io: CliIo,
): Promise<number> {
  const newest = await source.audit.query({ ...filter, newestFirst: true, limit: filter.limit ?? 20 });
  let last = 0;
  if (newest.length === 0) {
    // Said on stderr, so a script reading stdout still gets nothing; a person is not left guessing
    // whether the command worked (it printed nothing at all).
    const filtered = Object.entries(filter).some(([key, value]) => key !== 'limit' && value !== undefined);
    const none = filtered ? 'no events match' : 'the audit log has no events';
    io.stderr.write(`toolgate audit tail: ${none}${follow ? ' yet; waiting for new ones (Ctrl-C to stop)' : ''}\n`);
  }
  for (const e of newest.reverse()) {
    io.stdout.write(`${formatEvent(e)}\n`);
    last = e.seq;
  }
  const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  while (follow) {
    await pause(1_000);
    const page = await waitingOutOutages(() => source.audit.query({ ...filter, afterSeq: last, limit: 1_000 }), {
      enabled: outages,
      label: 'toolgate audit tail',
      io,
      pause,
    });
    for (const e of page ?? []) {
      io.stdout.write(`${formatEvent(e)}\n`);
      last = e.seq;
    }
  }
  return 0;
}

/**
 * What is at `path` itself (a link is not followed), if anything can be seen there; the open
 * below says why it cannot be written.
 */
function statOrNothing(path: string) {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
