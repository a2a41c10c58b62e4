import { z } from 'zod';
import { conflict, defineAction, reasonParam } from 'toolgate';
import { ordersApi } from '../orders-api.js';

/**
 * A write action: the model only drafts; a person with the orders_approver role approves; then
 * it executes once (idempotency key), is verified, and can be rolled back.
 */
export const cancelOrderDraft = defineAction({
  name: 'create_order_cancellation_draft',
  description: 'Draft the cancellation of an open order, for approval by an orders approver.',
  input: z.object({
    order_id: z
      .string()
      .regex(/^ord_\d+$/)
      .describe('The open order to cancel, e.g. ord_1001'),
    reason: reasonParam(),
  }),
  preview: z.object({ order_id: z.string(), refund_usd: z.number(), effect: z.string() }),
  risk: 'medium',
  approval: { roles: ['orders_approver'], allowSelfApproval: false },
  scopes: ['orders:draft'],
  tenant: {
    ownerOf: async ({ order_id }, ctx) =>
      (await ordersApi.getOrder(ctx.credential('orders_write'), order_id))?.tenant ?? null,
  },
  // Its own credential: reads and writes never share one (the credential_scope gate).
  credentials: ['orders_write'],
  describe: async ({ order_id }, ctx) => {
    const order = await ordersApi.getOrder(ctx.credential('orders_write'), order_id);
    if (order?.status !== 'open')
      throw conflict(`Order ${order_id} is ${order?.status ?? 'unknown'}; only open orders can be cancelled.`);
    return { order_id, refund_usd: order.total_usd, effect: `Cancel ${order_id} and refund $${order.total_usd}.` };
  },
  execute: ({ order_id }, ctx) => ordersApi.cancel(ctx.credential('orders_write'), order_id, ctx.idempotencyKey),
  verify: async (_input, _result, ctx) => {
    const order = await ordersApi.cancellationFor(ctx.credential('orders_write'), ctx.idempotencyKey);
    return {
      ok: order?.status === 'cancelled',
      detail: order ? `order ${order.id} is ${order.status}` : 'no cancellation recorded',
    };
  },
  rollback: {
    description: 'Reopen the order.',
    run: async ({ order_id }, _result, ctx) => {
      const order = await ordersApi.reopen(ctx.credential('orders_write'), order_id);
      return { ok: order.status === 'open', detail: `order ${order.id} is ${order.status}` };
    },
  },
});
