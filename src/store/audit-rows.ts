import type { ChainWalker } from '../audit/chain.js';
import { unrecordedKeyMismatch } from '../audit/key-check.js';
import type { AuditEvent, AuditEventInput, AuditFilter, VerifyReport } from '../audit/event.js';

/**
 * The audit event ↔ table row mapping and the filter → WHERE translation, shared by the SQLite
 * and PostgreSQL stores so both store and query events identically.
 */
export interface AuditRow {
  seq: number;
  id: string;
  time: string;
  kind: string;
  request_id: string | null;
  call_id: string | null;
  surface: string;
  client: string;
  actor: string;
  tenant: string | null;
  tool: string;
  decision: string;
  reason: string;
  outcome: string;
  error_code: string | null;
  input_summary: string;
  output_summary: string | null;
  result_bytes: number;
  result_tokens: number;
  source_ids: string;
  latency_ms: number;
  data: string | null;
  subject: string | null;
  issuer: string | null;
  client_id: string | null;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = [
  'seq',
  'id',
  'time',
  'kind',
  'request_id',
  'call_id',
  'surface',
  'client',
  'actor',
  'tenant',
  'tool',
  'decision',
  'reason',
  'outcome',
  'error_code',
  'input_summary',
  'output_summary',
  'result_bytes',
  'result_tokens',
  'source_ids',
  'latency_ms',
  'data',
  'subject',
  'issuer',
  'client_id',
  'prev_hash',
  'hash',
] as const satisfies readonly (keyof AuditRow)[];

export type AuditValue = string | number | null;

/** Columns that hold JSON text, which fromRow parses back. */
export const JSON_COLUMNS: readonly AuditColumn[] = ['source_ids', 'data'];

export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

/** Where an event field sits in `rowValues`: its column is its name in snake_case (`requestId` → `request_id`). */
export function columnIndexOf(field: string): number {
  const column = field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  const index = (AUDIT_COLUMNS as readonly string[]).indexOf(column);
  if (index < 0) throw new Error(`audit field ${field} has no column ${column}`);
  return index;
}

/** Where the values only the committer knows sit in `rowValues` (seq first, the hashes last). */
export const SEALED_AT = { seq: 0, prevHash: AUDIT_COLUMNS.length - 2, hash: AUDIT_COLUMNS.length - 1 } as const;

/**
 * An event's column values in AUDIT_COLUMNS order, what both stores INSERT. For an event not
 * sealed yet (the SQLite writer thread seals in its own transaction) seq and the hashes are null.
 */
export function rowValues(e: AuditEventInput & Partial<Pick<AuditEvent, 'seq' | 'prevHash' | 'hash'>>): AuditValue[] {
  return [
    e.seq ?? null,
    e.id,
    e.time,
    e.kind,
    e.requestId,
    e.callId,
    e.surface,
    e.client,
    e.actor,
    e.tenant,
    e.tool,
    e.decision,
    e.reason,
    e.outcome,
    e.errorCode,
    e.inputSummary,
    e.outputSummary,
    e.resultBytes,
    e.resultTokens,
    JSON.stringify(e.sourceIds),
    e.latencyMs,
    e.data === null ? null : JSON.stringify(e.data),
    e.subject ?? null,
    e.issuer ?? null,
    e.clientId ?? null,
    e.prevHash ?? null,
    e.hash ?? null,
  ];
}

/**
 * Why a stored row is not as the gateway wrote it, or null when it is: a JSON column that does not
 * parse, or that spells its value otherwise than JSON.stringify, which is how every version has
 * written it. The chain hashes the value, not its spelling, so a re-spelled row still verified:
 * `"\u0064rf_…"` for `"drf_…"` in source_ids hid an approval and an execution from the console's
 * draft timeline (which searches the text), and a duplicated key in data read one way in
 * Toolgate and another in SQL (outside probe, 2026-12-07). A writer of the file can spell things
 * as it likes; verify now says so.
 */
export function notAsWritten(row: Pick<AuditRow, 'source_ids' | 'data'>): string | null {
  for (const column of JSON_COLUMNS as readonly ('source_ids' | 'data')[]) {
    const text = row[column];
    if (text === null) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return `has a ${column} that is not JSON: it was changed after it was written`;
    }
    if (JSON.stringify(value) !== text)
      return `has its ${column} spelled otherwise than the gateway writes it (a search by text would miss it): it was changed after it was written`;
  }
  return null;
}

/** How many events a verify walk checks between two calls of its progress listener. */
export const VERIFY_PROGRESS_EVERY = 1_000;

/** One stored row through the verify walk: as written, and then its place in the chain. */
export function walkRow(walker: ChainWalker, row: AuditRow): VerifyReport | null {
  const wrong = notAsWritten(row);
  return wrong ? walker.malformed(Number(row.seq), row.id, wrong) : walker.step(fromRow(row));
}

export function fromRow(r: AuditRow): AuditEvent {
  return {
    seq: Number(r.seq),
    id: r.id,
    time: r.time,
    kind: r.kind,
    requestId: r.request_id,
    callId: r.call_id,
    surface: r.surface as AuditEvent['surface'],
    client: r.client,
    actor: r.actor,
    tenant: r.tenant,
    tool: r.tool,
    decision: r.decision as AuditEvent['decision'],
    reason: r.reason,
    outcome: r.outcome as AuditEvent['outcome'],
    errorCode: r.error_code,
    inputSummary: r.input_summary,
    outputSummary: r.output_summary,
    resultBytes: Number(r.result_bytes),
    resultTokens: Number(r.result_tokens),
    sourceIds: JSON.parse(r.source_ids) as string[],
    latencyMs: Number(r.latency_ms),
    data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
    // NULL columns stay absent (not null), so events without them hash as they were written.
    ...(r.subject == null ? {} : { subject: r.subject }),
    ...(r.issuer == null ? {} : { issuer: r.issuer }),
    ...(r.client_id == null ? {} : { clientId: r.client_id }),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** WHERE clause and parameters for a filter; `placeholder(i)` is `?` (SQLite) or `$i` (PostgreSQL). */
export function filterSql(
  filter: AuditFilter,
  placeholder: (index: number) => string,
): { where: string; params: unknown[]; order: string; limit: number } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', placeholder(params.length)));
  };
  if (filter.actor !== undefined) add('actor = ?', filter.actor);
  if (filter.tool !== undefined) add('tool = ?', filter.tool);
  if (filter.tenant !== undefined) add('tenant = ?', filter.tenant);
  if (filter.outcome !== undefined) add('outcome = ?', filter.outcome);
  if (filter.kind !== undefined) add('kind = ?', filter.kind);
  if (filter.subject !== undefined) add('subject = ?', filter.subject);
  // source_ids is a JSON array of strings; matching the quoted id finds exact members.
  // LIKE with an escape works the same in SQLite and PostgreSQL.
  if (filter.sourceId !== undefined)
    add("source_ids LIKE ? ESCAPE '\\'", `%${JSON.stringify(filter.sourceId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (filter.since !== undefined) add('time >= ?', filter.since);
  if (filter.until !== undefined) add('time <= ?', filter.until);
  if (filter.afterSeq !== undefined) add('seq > ?', filter.afterSeq);
  return {
    where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
    params,
    order: filter.newestFirst ? 'ORDER BY seq DESC' : 'ORDER BY seq ASC',
    limit: Math.max(1, Math.min(filter.limit ?? 1_000, 10_000)),
  };
}

/**
 * unrecordedKeyMismatch for the newest stored row of a log with no key record. A row whose JSON
 * does not parse cannot show which key sealed it: refused too, in words, not as a SyntaxError
 * out of the store's open (review).
 */
export function unrecordedRowMismatch(newest: AuditRow, key: Buffer | undefined): string | null {
  let event: AuditEvent;
  try {
    event = fromRow(newest);
  } catch {
    return (
      `this audit log has no record of its key (Toolgate 0.1 wrote it) and its newest event, ${newest.seq}, cannot ` +
      'be read (a JSON column does not parse): `toolgate audit verify` with the key it was written with says more'
    );
  }
  return unrecordedKeyMismatch(event, key);
}
