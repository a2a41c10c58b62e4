import type { DraftFilter, DraftRecord, DraftStatus } from './types.js';

/** The drafts table row ↔ DraftRecord mapping, shared by the SQLite and PostgreSQL stores. */
export interface DraftRow {
  id: string;
  tool: string;
  tenant: string;
  requester: string;
  client: string;
  risk: string;
  input: string;
  preview: string;
  draft_hash: string;
  status: string;
  created_at: string;
  expires_at: string;
  updated_at: string;
  version: number;
  state: string;
}

export const fromRow = (r: DraftRow): DraftRecord => ({
  id: r.id,
  tool: r.tool,
  tenant: r.tenant,
  requester: r.requester,
  client: r.client,
  risk: r.risk as DraftRecord['risk'],
  input: r.input,
  preview: r.preview,
  draftHash: r.draft_hash,
  status: r.status as DraftStatus,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  updatedAt: r.updated_at,
  version: Number(r.version),
  state: r.state,
});

/** The drafts table's columns, in the order draftValues gives them (an INSERT of a whole draft). */
export const DRAFT_COLUMNS =
  'id, tool, tenant, requester, client, risk, input, preview, draft_hash, status, created_at, expires_at, updated_at, version, state';

export const draftValues = (d: DraftRecord): unknown[] => [
  d.id,
  d.tool,
  d.tenant,
  d.requester,
  d.client,
  d.risk,
  d.input,
  d.preview,
  d.draftHash,
  d.status,
  d.createdAt,
  d.expiresAt,
  d.updatedAt,
  d.version,
  d.state,
];

/**
 * Counts waiting drafts — awaiting approval and not yet past their expiry, since a draft expires
 * lazily (its status moves only when someone acts on it) — and names the earliest expiry. The
 * first parameter is the time to compare `expires_at` with; the caller appends the scope.
 */
export const WAITING_COUNT = (at: string) =>
  `SELECT count(*) AS n, min(expires_at) AS next FROM drafts WHERE status = 'awaiting_approval' AND expires_at > ${at}`;

/**
 * One page of drafts, in the filter's order, keyed on (created_at, id) so a page boundary neither
 * skips nor repeats a draft however many share a millisecond. `placeholder(n)` spells the n-th
 * (1-based) parameter: `?` for SQLite, `$n` for PostgreSQL.
 */
export function draftPage(filter: DraftFilter, placeholder: (n: number) => string): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => placeholder(params.push(value));
  if (filter.status) clauses.push(`status = ${param(filter.status)}`);
  if (filter.tenant) clauses.push(`tenant = ${param(filter.tenant)}`);
  if (filter.expiresAfter) clauses.push(`expires_at > ${param(filter.expiresAfter)}`);
  const oldest = filter.order === 'oldest';
  if (filter.after) {
    const [createdAt, id] = [param(filter.after.createdAt), param(filter.after.id)];
    clauses.push(`(created_at, id) ${oldest ? '>' : '<'} (${createdAt}, ${id})`);
  }
  const limit = Math.max(1, Math.min(filter.limit ?? 100, 1_000));
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  const direction = oldest ? 'ASC' : 'DESC';
  return {
    sql: `SELECT * FROM drafts ${where} ORDER BY created_at ${direction}, id ${direction} LIMIT ${limit}`,
    params,
  };
}
