import type { Principal } from '../auth/principal.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftFilter, DraftRecord } from '../store/types.js';
import { draftView } from './draft-view.js';
import { READ_ONLY } from '../pipeline/stages/resolve-tool.js';
import { approveDraft, refuse, rejectDraft, type DecisionRequest } from './approve.js';
import { resolveUnresolved, type OperatorDecision } from './operator-resolve.js';
import { resumeInterrupted } from './recovery.js';
import { reverifyDraft } from './reverify.js';
import { rollbackDraft } from './rollback.js';
import { draftInTenant } from './draft-in-tenant.js';

/** What people (console, CLI, REST) do with drafts. Model clients never get this object. */
export interface ActionService {
  approve(draftId: string, approver: Principal, request: DecisionRequest): Promise<DraftRecord>;
  reject(draftId: string, approver: Principal, request: DecisionRequest): Promise<DraftRecord>;
  rollback(draftId: string, approver: Principal, request: DecisionRequest): Promise<DraftRecord>;
  get(draftId: string): Promise<DraftRecord | null>;
  list(filter: DraftFilter): Promise<DraftRecord[]>;
  /**
   * An operator's call on an `unresolved` draft (outcome unknown): `retry` checks verify, then runs
   * again with the same idempotency key; `close` ends it as failed without running anything.
   */
  resolve(
    draftId: string,
    operator: Principal,
    decision: OperatorDecision,
    request: DecisionRequest,
  ): Promise<DraftRecord>;
  /** An operator's second look at an `unverified` draft: verify runs again; nothing is written. */
  reverify(draftId: string, operator: Principal, request: DecisionRequest): Promise<DraftRecord>;
  /** A draft as people see it, with whether (and how) it can be rolled back. */
  view(draft: DraftRecord): ReturnType<typeof draftView>;
  /** Call at start-up: settles drafts a previous process left in `executing`, never running them twice. */
  resumeInterrupted(): Promise<DraftRecord[]>;
}

export function createActionService(runtime: GatewayRuntime): ActionService {
  /**
   * Issue #16, the read-only switch: anything that would reach the upstream (approve → execute,
   * retry, rollback) is refused and audited; reject and close still let people clear the queue.
   */
  async function readOnlyRefusal(id: string, who: Principal, request: DecisionRequest): Promise<never> {
    const draft = await draftInTenant(runtime, id, who, request, 'decide while read-only');
    throw await refuse(runtime, draft, who, request, 'forbidden', READ_ONLY);
  }
  return {
    approve: (id, who, request) =>
      runtime.readOnly ? readOnlyRefusal(id, who, request) : approveDraft(runtime, id, who, request),
    reject: (id, who, request) => rejectDraft(runtime, id, who, request),
    rollback: (id, who, request) =>
      runtime.readOnly ? readOnlyRefusal(id, who, request) : rollbackDraft(runtime, id, who, request),
    get: (id) => runtime.store.drafts.get(id),
    list: (filter) => runtime.store.drafts.list(filter),
    resolve: (id, who, decision, request) =>
      runtime.readOnly && decision === 'retry'
        ? readOnlyRefusal(id, who, request)
        : resolveUnresolved(runtime, id, who, decision, request),
    // Only reads upstream, so it stays open while writes are off.
    reverify: (id, who, request) => reverifyDraft(runtime, id, who, request),
    view: (draft) => draftView(draft, runtime.tools.get(draft.tool)?.action),
    resumeInterrupted: () => resumeInterrupted(runtime),
  };
}
