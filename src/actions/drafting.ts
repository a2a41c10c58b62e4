import { canonicalJson } from '../audit/chain.js';
import type { ToolContext } from '../contract/types.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import { newId } from '../util/ids.js';
import { approveDraft, policyApprover } from './approve.js';
import { transitionEvent } from './audit-transition.js';
import { queued, writeQueued } from './queued-audit.js';
import { draftHash } from './draft-hash.js';
import { storedInputOf } from './draft-input.js';
import { callArgsOf, denyCall, type Drafting } from '../pipeline/drafting-capability.js';
import type { ActionRuntimeSpec } from '../contract/types.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { DraftCreated, WaitingCap } from '../store/types.js';

/**
 * Creates drafts for action tools. The model's call ends here: the draft is stored, audited and
 * described; only low-risk actions configured to auto-approve go on to execute (still audited
 * and verified like any other).
 */
export function createDrafting(runtime: GatewayRuntime, approvalUrlBase: string | null): Drafting {
  return {
    getDraft: (id) => runtime.store.drafts.get(id),
    async createDraft(tool: string, spec: ActionRuntimeSpec, input: unknown, preview: unknown, ctx: ToolContext) {
      const now = runtime.now();
      const id = newId('drf', now);
      // The parsed input encoded back (or as sent), and the digest of what the preview was made
      // from: execute, verify and rollback parse it once and must come back to it (draft-input.ts).
      const stored = storedInputOf(tool, spec, input, callArgsOf(ctx) ?? {});
      const draft = {
        id,
        tool,
        tenant: ctx.principal.tenant,
        requester: ctx.principal.actorId,
        client: ctx.client,
        risk: spec.risk,
        input: canonicalJson(stored.input),
        preview: canonicalJson(preview),
        draftHash: draftHash(tool, stored.input, preview),
        status: 'awaiting_approval' as const,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + spec.approval.expiresInMs).toISOString(),
        updatedAt: new Date(now).toISOString(),
        version: 1,
        state: JSON.stringify({ approvals: [], inputDigest: stored.digest }),
      };
      // Stored with its `action.drafted` event queued in the same transaction (queued-audit.ts).
      const drafted = transitionEvent(runtime, draft, {
        kind: 'drafted',
        actor: ctx.principal,
        surface: ctx.surface,
        outcome: 'ok',
        reason: `drafted by call ${ctx.callId}`,
        data: { callAuditId: ctx.auditId },
      });
      // The cap on waiting drafts is checked by the store in the insert's own transaction, so it
      // holds across instances and concurrent calls (outside probe, 2026-12-07: 1,000 drafts from
      // one token in 4.7 s buried everyone else's).
      const created = await runtime.store.drafts.create(draft, queued(drafted), waitingCap(spec));
      if (!created.created) throw tooManyWaiting(ctx, tool, created);
      await writeQueued(runtime, drafted, `Draft ${id} was created and awaits approval`);

      let status: string = draft.status;
      if (spec.approval.autoApprove) {
        const done = await approveDraft(runtime, id, policyApprover(draft.tenant), {
          reason: 'low risk: auto-approved by policy',
          surface: 'internal',
        });
        status = done.status;
      }
      return {
        draft_id: id,
        status,
        risk: spec.risk,
        preview,
        reversible: spec.rollback !== undefined,
        rollback: spec.rollback
          ? spec.rollback.description
          : 'No rollback: once executed this cannot be undone by Toolgate.',
        required_approvals: spec.approval.approvers,
        expires_at: draft.expiresAt,
        approval_url: approvalUrlBase ? `${approvalUrlBase.replace(/\/$/, '')}/console/drafts/${id}` : null,
        next_step:
          status === 'awaiting_approval'
            ? `Nothing has happened yet. Tell the user draft ${id} awaits approval by ${spec.approval.roles.join(' or ')}; check it later with get_action_status.`
            : `Auto-approved and ${status}; check get_action_status for details.`,
      };
    },
  };
}

/** The action's limits on waiting drafts, or undefined when it has none (both turned off). */
function waitingCap(spec: ActionRuntimeSpec): WaitingCap | undefined {
  const { maxWaitingPerCaller: perRequester, maxWaitingPerTenant: perTenant } = spec.approval;
  if (perRequester === Infinity && perTenant === undefined) return undefined;
  return { perRequester, perTenant };
}

/**
 * The refusal when too many drafts already wait. `conflict`, not `rate_limited`: waiting does not
 * clear it by itself on any schedule we could promise (a person must decide, or the drafts must
 * expire, by default after 24 h), and `rate_limited` is retryable, which invites a model to call
 * again and again. The message says what clears it. Audited as a denial of the call.
 */
function tooManyWaiting(ctx: ToolContext, tool: string, refused: Extract<DraftCreated, { created: false }>) {
  const who = refused.over === 'requester' ? `${ctx.principal.actorId} already has` : 'This tenant already has';
  const knob = refused.over === 'requester' ? 'maxWaitingPerCaller' : 'maxWaitingPerTenant';
  const expiry = refused.nextExpiry ? ` (the next expires at ${refused.nextExpiry})` : '';
  const message =
    `${who} ${refused.waiting} drafts awaiting approval, the most ${tool} allows; nothing was drafted. ` +
    `Do not retry now: ask an approver to approve or reject the waiting drafts, or let them expire${expiry}, ` +
    'then draft again.';
  const reason = `waiting drafts: ${refused.waiting} awaiting approval, limit ${refused.limit} (approval.${knob})`;
  return denyCall(ctx, reason, new ToolgateError('conflict', message));
}
