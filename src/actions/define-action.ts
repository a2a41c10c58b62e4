import { z } from 'zod';
import type { DraftStatus } from '../store/types.js';
import { DRAFT_STATUSES } from './lifecycle.js';
import { finishDefinition } from '../contract/define-tool.js';
import type { ActionRuntimeSpec, ToolContext, ToolDefinition } from '../contract/types.js';
import { draftingOf } from '../pipeline/drafting-capability.js';
import type { ActionSpec } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Drafts one caller may have awaiting approval by default (approval.maxWaitingPerCaller). Outside
 * probe, 2026-12-07: one token created 1,000 drafts of ~30 KB in 4.7 s (60 MB in the drafts
 * table) and pushed another user's draft out of the approvers' lists of the newest 200. Fifty is
 * well above what one person's assistant has waiting in a working day (drafts are one per request
 * and expire after 24 h by default), a quarter of a list page, and ~3 MB of drafts at the probe's
 * size. A batch workflow that needs more sets the knob on its action.
 */
export const DEFAULT_MAX_WAITING_PER_CALLER = 50;

/** A whole number ≥ 1, or Infinity (no limit). */
const isLimit = (n: number) => n === Infinity || (Number.isInteger(n) && n >= 1);

/**
 * Defines a write as an action (R4, R11). The model-facing tool only drafts: it runs the
 * pipeline and `describe`, stores the draft and returns its id, preview, whether it can be
 * rolled back and when it expires. Nothing is executed until a person approves.
 */
export function defineAction<I extends z.ZodObject, P extends z.ZodObject, R>(
  spec: ActionSpec<I, P, R>,
): ToolDefinition<I, z.ZodObject> {
  const where = `Action "${spec.name}"`;
  const approvers = spec.approval.approvers ?? 1;
  if (spec.approval.roles.length === 0) throw new TypeError(`${where}: approval.roles is empty; name who may approve.`);
  if (!Number.isInteger(approvers) || approvers < 1)
    throw new TypeError(`${where}: approval.approvers must be a whole number ≥ 1.`);
  const maxWaitingPerCaller = spec.approval.maxWaitingPerCaller ?? DEFAULT_MAX_WAITING_PER_CALLER;
  const maxWaitingPerTenant = spec.approval.maxWaitingPerTenant;
  if (!isLimit(maxWaitingPerCaller))
    throw new TypeError(
      `${where}: approval.maxWaitingPerCaller must be a whole number ≥ 1 (or Infinity for no limit).`,
    );
  if (maxWaitingPerTenant !== undefined && !isLimit(maxWaitingPerTenant))
    throw new TypeError(
      `${where}: approval.maxWaitingPerTenant must be a whole number ≥ 1 (or left out for no limit).`,
    );
  if (spec.approval.autoApprove && spec.risk !== 'low') {
    throw new TypeError(`${where}: only low-risk actions may auto-approve; ${spec.risk} risk always needs a person.`);
  }
  const runtimeSpec: ActionRuntimeSpec = {
    risk: spec.risk,
    approval: {
      roles: spec.approval.roles,
      allowSelfApproval: spec.approval.allowSelfApproval ?? false,
      approvers,
      expiresInMs: spec.approval.expiresInMs ?? DAY_MS,
      autoApprove: spec.approval.autoApprove ?? false,
      maxWaitingPerCaller,
      maxWaitingPerTenant: maxWaitingPerTenant === Infinity ? undefined : maxWaitingPerTenant,
    },
    input: spec.input,
    credentials: spec.credentials ?? [],
    executeTimeoutMs: spec.executeTimeoutMs ?? 30_000,
    execute: spec.execute as ActionRuntimeSpec['execute'],
    verify: spec.verify as ActionRuntimeSpec['verify'],
    ...(spec.rollback ? { rollback: spec.rollback as ActionRuntimeSpec['rollback'] } : {}),
  };
  const output = z.object({
    draft_id: z.string(),
    // A low-risk auto-approved draft may already have run, so any status can come back.
    status: z.enum(DRAFT_STATUSES as [DraftStatus, ...DraftStatus[]]),
    risk: z.enum(['low', 'medium', 'high']),
    preview: spec.preview,
    reversible: z.boolean(),
    rollback: z.string().describe('What a rollback would do, or that there is none — stated before approval.'),
    required_approvals: z.number().int(),
    expires_at: z.string(),
    approval_url: z.string().nullable(),
    next_step: z.string(),
  });
  const tool = finishDefinition(
    {
      name: spec.name,
      ...(spec.title === undefined ? {} : { title: spec.title }),
      description: `${spec.description} This creates a draft for human approval; it executes nothing by itself.`,
      input: spec.input,
      output,
      scopes: spec.scopes,
      ...(spec.roles ? { roles: spec.roles } : {}),
      tenant: spec.tenant,
      ...(spec.credentials ? { credentials: spec.credentials } : {}),
      ...(spec.limits ? { limits: spec.limits } : {}),
      ...(spec.untrusted ? { untrusted: spec.untrusted } : {}),
      // The model's call cites its draft, so the draft's timeline starts with that call.
      sourcesField: 'draft_id',
      handler: async (input: z.output<I>, ctx: ToolContext) => {
        const preview = spec.preview.parse(await spec.describe(input, ctx));
        // The output schema validates this in the pipeline like any other tool result.
        return (await draftingOf(ctx).createDraft(spec.name, runtimeSpec, input, preview, ctx)) as z.input<
          typeof output
        >;
      },
    },
    'action',
    // The model's call only drafts, so it is not destructive; approval-time execution is.
    { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  );
  return Object.freeze({ ...tool, action: runtimeSpec });
}
