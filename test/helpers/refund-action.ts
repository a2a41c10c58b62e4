import { z } from 'zod';
import { defineAction } from '../../src/actions/define-action.js';
import { actionStatusTool } from '../../src/actions/status-tool.js';
import { staticCredentials } from '../../src/credentials/provider.js';
import type { Principal } from '../../src/auth/principal.js';
import type { ApprovalPolicy } from '../../src/contract/types.js';
import type { Gateway } from '../../src/gateway/create-gateway.js';
import { upstreamUnavailable } from '../../src/errors/toolgate-error.js';

export const refundCredentials = staticCredentials({ test: { refunds_write: 'refunds-write-token-123456' } }, 'test');

export const requester: Principal = {
  actorId: 'usr_agent',
  tenant: 'acme',
  roles: ['support'],
  scopes: ['refunds:draft', 'actions:read'],
};
export const approver = (actorId = 'usr_lead', over: Partial<Principal> = {}): Principal => ({
  actorId,
  tenant: 'acme',
  roles: ['billing_approver'],
  scopes: [],
  ...over,
});

/** The refund action against the fake payments API at `apiUrl`, with a given approval policy. */
export function refundAction(
  apiUrl: string,
  policy: Omit<ApprovalPolicy, 'roles' | 'autoApprove'> = {},
  executeTimeoutMs?: number,
) {
  const call = async (
    path: string,
    ctx: { credential(n: string): string; signal: AbortSignal },
    init: RequestInit = {},
  ) => {
    const res = await fetch(`${apiUrl}${path}`, {
      ...init,
      signal: ctx.signal,
      headers: {
        ...init.headers,
        authorization: `Bearer ${ctx.credential('refunds_write')}`,
        'content-type': 'application/json',
      },
    });
    if (res.status >= 500) throw upstreamUnavailable('Payments API');
    return { status: res.status, body: (await res.json()) as { id: string; amount_usd: number; status: string } };
  };
  return defineAction({
    name: 'create_refund_draft',
    description: 'Draft a refund of an invoice for approval by a billing approver.',
    input: z.object({
      invoice_id: z.string().regex(/^inv_\w+$/),
      amount_usd: z.number().positive().max(10_000),
      reason: z.string().min(5),
    }),
    preview: z.object({ invoice_id: z.string(), refund_usd: z.number(), effect: z.string() }),
    risk: 'high',
    approval: { roles: ['billing_approver'], ...policy },
    scopes: ['refunds:draft'],
    tenant: 'caller',
    credentials: ['refunds_write'],
    ...(executeTimeoutMs ? { executeTimeoutMs } : {}),
    describe: ({ invoice_id, amount_usd }) => ({
      invoice_id,
      refund_usd: amount_usd,
      effect: `Refund $${amount_usd} of ${invoice_id} to the original payment method.`,
    }),
    execute: async ({ invoice_id, amount_usd }, ctx) =>
      (
        await call('/refunds', ctx, {
          method: 'POST',
          headers: { 'idempotency-key': ctx.idempotencyKey },
          body: JSON.stringify({ invoice_id, amount_usd }),
        })
      ).body,
    verify: async ({ amount_usd }, _result, ctx) => {
      const found = await call(`/refunds?idempotency_key=${encodeURIComponent(ctx.idempotencyKey)}`, ctx);
      if (found.status === 404) return { ok: false, detail: 'no refund recorded for this draft' };
      const ok = found.body.status === 'succeeded' && found.body.amount_usd === amount_usd;
      return { ok, detail: `refund ${found.body.id} is ${found.body.status} for $${found.body.amount_usd}` };
    },
    rollback: {
      description: 'Void the refund before it settles.',
      run: async (_input, _result, ctx) => {
        const found = await call(`/refunds?idempotency_key=${encodeURIComponent(ctx.idempotencyKey)}`, ctx);
        const voided = await call(`/refunds/${found.body.id}/void`, ctx, { method: 'POST' });
        return { ok: voided.body.status === 'voided', detail: `refund ${voided.body.id} is ${voided.body.status}` };
      },
    },
  });
}

export const statusTool = actionStatusTool();

/** Asks `gw` for a $40 refund draft of inv_1, as the requester would; returns its id. */
export async function draftRefund(gw: Gateway): Promise<string> {
  const r = await gw.call({
    tool: 'create_refund_draft',
    args: { invoice_id: 'inv_1', amount_usd: 40, reason: 'double charge' },
    principal: requester,
    client: 'c',
    surface: 'direct',
  });
  if (!r.ok) throw new Error(r.text);
  return r.structured.draft_id as string;
}
