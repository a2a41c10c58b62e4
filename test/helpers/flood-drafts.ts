import type { DraftRecord } from '../../src/store/types.js';
import { draft } from '../store/suite.js';

/**
 * A refund draft of Acme's, awaiting approval, as a flood from one caller stores them (outside
 * probe, 2026-12-07): stored directly, past any cap, at the times given.
 */
export function floodDraft(id: string, createdMs: number, expiresMs: number): DraftRecord {
  return {
    ...draft(id),
    tenant: 'acme',
    requester: 'usr_flood',
    client: 'support_app',
    input: '{"invoice_id":"inv_1","amount_usd":1,"reason":"flood"}',
    preview: '{"invoice_id":"inv_1","refund_usd":1,"effect":"flood"}',
    createdAt: new Date(createdMs).toISOString(),
    expiresAt: new Date(expiresMs).toISOString(),
    updatedAt: new Date(createdMs).toISOString(),
    state: '{"approvals":[]}',
  };
}
