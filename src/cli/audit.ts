import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AuditEvent, AuditFilter } from '../audit/event.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

const USAGE = `Usage:
  toolgate audit verify [--db FILE|postgres://URL]
  toolgate audit tail   [--db FILE|postgres://URL] [filters] [--limit N] [--follow]
  toolgate audit export --format jsonl [--out FILE] [--db FILE|postgres://URL] [filters]
Filters: --actor ID --tool NAME --tenant ID --outcome ok|denied|error --since ISO --until ISO
`;

const OPTIONS = {
  db: { type: 'string' },
  actor: { type: 'string' },
  tool: { type: 'string' },
  tenant: { type: 'string' },
  outcome: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  follow: { type: 'boolean' },
} as const;

/** `toolgate audit verify|tail|export`. Returns the exit code: 0 ok, 1 tampered, 2 usage error. */
export async function runAuditCommand(argv: string[], io: CliIo, openStore = defaultStore): Promise<number> {
  const [sub, ...rest] = argv;
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: rest, options: OPTIONS, strict: true }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const filter = filterFrom(values);
  if (typeof filter === 'string') {
    io.stderr.write(`${filter}\n${USAGE}`);
    return 2;
  }
  if (sub !== 'verify' && sub !== 'tail' && sub !== 'export') {
    io.stderr.write(`${sub ? `Unknown audit command "${sub}".\n` : ''}${USAGE}`);
    return 2;
  }
  if (sub === 'export' && values.format !== 'jsonl') {
    io.stderr.write(`audit export needs --format jsonl (the only format so far).\n${USAGE}`);
    return 2;
  }
  const store = await openStore(values.db ?? io.env.TOOLGATE_DATABASE_URL ?? io.env.TOOLGATE_DB ?? '.toolgate/toolgate.db', io.env.TOOLGATE_AUDIT_KEY);
  try {
    if (sub === 'verify') return await verify(store, io);
    if (sub === 'tail') return await tail(store, filter, values.follow === true, io);
    return await exportJsonl(store, filter, values.out, io);
  } finally {
    await store.close();
  }
}

function defaultStore(path: string, auditKey: string | undefined): Promise<Store> {
  return openStore({ database: path, auditKey });
}

function filterFrom(values: Record<string, string | boolean | undefined>): AuditFilter | string {
  const filter: { -readonly [K in keyof AuditFilter]: AuditFilter[K] } = {};
  for (const key of ['actor', 'tool', 'tenant'] as const) if (typeof values[key] === 'string') filter[key] = values[key];
  if (values.outcome !== undefined) {
    if (!['ok', 'denied', 'error'].includes(String(values.outcome))) return `--outcome must be ok, denied or error (got "${values.outcome}").`;
    filter.outcome = values.outcome as AuditFilter['outcome'];
  }
  for (const key of ['since', 'until'] as const) {
    const value = values[key];
    if (value === undefined) continue;
    const time = new Date(String(value));
    if (Number.isNaN(time.getTime())) return `--${key} must be an ISO time such as 2026-06-01T00:00:00Z (got "${value}").`;
    filter[key] = time.toISOString();
  }
  if (values.limit !== undefined) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) return `--limit must be a positive integer (got "${values.limit}").`;
    filter.limit = limit;
  }
  return filter;
}

async function verify(store: Store, io: CliIo): Promise<number> {
  const report = await store.audit.verify();
  if (report.ok) {
    io.stdout.write(`ok: ${report.count} events, chain intact, head ${report.headHash}\n`);
    return 0;
  }
  io.stdout.write(`TAMPERED at seq ${report.firstBadSeq}${report.firstBadId ? ` (${report.firstBadId})` : ''}: ${report.message} [${report.problem}]\n`);
  return 1;
}

export function formatEvent(e: AuditEvent): string {
  const what = e.outcome === 'ok' ? `ok ${e.resultBytes}B` : `${e.outcome} ${e.errorCode ?? ''}`.trim();
  return `${e.seq}\t${e.time}\t${e.actor}@${e.tenant ?? '-'}\t${e.client}/${e.surface}\t${e.tool}\t${what}\t${e.latencyMs}ms\t${e.id}`;
}

async function tail(store: Store, filter: AuditFilter, follow: boolean, io: CliIo): Promise<number> {
  const newest = await store.audit.query({ ...filter, newestFirst: true, limit: filter.limit ?? 20 });
  let last = 0;
  for (const e of newest.reverse()) {
    io.stdout.write(`${formatEvent(e)}\n`);
    last = e.seq;
  }
  while (follow) {
    await new Promise((r) => setTimeout(r, 1_000));
    for (const e of await store.audit.query({ ...filter, afterSeq: last, limit: 1_000 })) {
      io.stdout.write(`${formatEvent(e)}\n`);
      last = e.seq;
    }
  }
  return 0;
}

/** Pages through the log by seq so memory stays flat however long the log is. */
async function exportJsonl(store: Store, filter: AuditFilter, out: string | undefined, io: CliIo): Promise<number> {
  const target = out ? createWriteStream(out) : io.stdout;
  let afterSeq = 0;
  let written = 0;
  const max = filter.limit ?? Number.POSITIVE_INFINITY;
  while (written < max) {
    const page = await store.audit.query({ ...filter, afterSeq, limit: Math.min(1_000, max - written) });
    if (page.length === 0) break;
    for (const e of page) target.write(`${JSON.stringify(e)}\n`);
    written += page.length;
    afterSeq = page.at(-1)?.seq ?? afterSeq;
  }
  if (out) {
    await new Promise<void>((resolve, reject) => (target as NodeJS.WritableStream).end(() => resolve()).on('error', reject));
    io.stderr.write(`exported ${written} events to ${out}\n`);
  }
  return 0;
}
