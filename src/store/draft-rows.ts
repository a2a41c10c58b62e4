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
