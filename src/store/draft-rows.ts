import type { DraftRecord, DraftStatus } from './types.js';

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
