import type { DraftRecord } from '../store/types.js';
import { stateOf } from './draft-state.js';
import type { ActionRuntimeSpec } from '../contract/types.js';

/**
 * A draft as people see it (console, CLI, REST): its input as the action takes it (defaults filled
 * in; as the model sent it where a one-way transform follows: draft-input.ts), preview and history.
 */
export function draftView(draft: DraftRecord, runtimeSpec?: ActionRuntimeSpec) {
  const state = stateOf(draft);
  return {
    id: draft.id,
    tool: draft.tool,
    status: draft.status,
    risk: draft.risk,
    tenant: draft.tenant,
    requester: draft.requester,
    client: draft.client,
    input: JSON.parse(draft.input) as unknown,
    preview: JSON.parse(draft.preview) as unknown,
    draft_hash: draft.draftHash,
    reversible: runtimeSpec?.rollback !== undefined,
    rollback_description: runtimeSpec?.rollback?.description ?? null,
    created_at: draft.createdAt,
    expires_at: draft.expiresAt,
    updated_at: draft.updatedAt,
    approvals: state.approvals,
    rejection: state.rejection ?? null,
    execution: state.execution ?? null,
    verification: state.verification ?? null,
    rollback: state.rollback ?? null,
    unresolved: state.unresolved ?? null,
  };
}
