import { z } from 'zod';
import { defineTool } from '../contract/define-tool.js';
import { notFound } from '../errors/toolgate-error.js';
import { draftingOf } from '../pipeline/drafting-capability.js';
import { stateOf } from './draft-state.js';

/**
 * `get_action_status`: lets the model see what became of a draft it created — own tenant only
 * (the tenant boundary checks the draft's tenant before anything is read).
 */
export function actionStatusTool(scopes: readonly string[] = ['actions:read']) {
  return defineTool({
    name: 'get_action_status',
    description: 'Check the status of a write-action draft (awaiting approval, executed and verified, rejected, …).',
    input: z.object({
      draft_id: z
        .string()
        .regex(/^drf_[0-9A-Z]+$/)
        .describe('The draft_id an action tool returned'),
    }),
    output: z.object({
      draft_id: z.string(),
      tool: z.string(),
      status: z.string(),
      risk: z.string(),
      approvals: z.number().int(),
      expires_at: z.string(),
      verified: z.boolean().nullable(),
      detail: z.string(),
      source_records: z.array(z.string()),
    }),
    scopes,
    gatewayDataOnly: true,
    limits: { maxResultBytes: 1_024 },
    tenant: { ownerOf: async ({ draft_id }, ctx) => (await draftingOf(ctx).getDraft(draft_id))?.tenant ?? null },
    handler: async ({ draft_id }, ctx) => {
      const draft = await draftingOf(ctx).getDraft(draft_id);
      if (!draft) throw notFound(`Draft ${draft_id}`);
      const state = stateOf(draft);
      const detail =
        state.unresolved?.reason ??
        state.verification?.detail ??
        state.rejection?.reason ??
        state.execution?.error ??
        `status ${draft.status}`;
      return {
        draft_id,
        tool: draft.tool,
        status: draft.status,
        risk: draft.risk,
        approvals: state.approvals.length,
        expires_at: draft.expiresAt,
        verified: state.verification ? state.verification.ok : null,
        detail,
        source_records: [draft_id],
      };
    },
  });
}
