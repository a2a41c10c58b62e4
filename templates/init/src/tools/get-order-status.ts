import { z } from 'zod';
import { defineTool, notFound, reasonParam } from 'toolgate';
import { ordersApi } from '../orders-api.js';

/** A read tool: one task, explicit inputs, a compact decision-ready answer with its source ids. */
export const getOrderStatus = defineTool({
  name: 'get_order_status',
  description: 'Return the status and total of one order, for answering a customer about it.',
  input: z.object({
    order_id: z
      .string()
      .regex(/^ord_\d+$/)
      .describe('Order id, e.g. ord_1001'),
    reason: reasonParam(),
  }),
  output: z.object({
    order_id: z.string(),
    status: z.enum(['open', 'shipped', 'cancelled']),
    total_usd: z.number(),
    updated_at: z.string(),
    recommended_next_action: z.string(),
    source_records: z.array(z.string()),
  }),
  scopes: ['orders:read'],
  // The record's own tenant decides; another tenant's order answers like an unknown one.
  tenant: {
    ownerOf: async ({ order_id }, ctx) =>
      (await ordersApi.getOrder(ctx.credential('orders_read'), order_id))?.tenant ?? null,
  },
  credentials: ['orders_read'],
  limits: { timeoutMs: 5_000, maxResultBytes: 2_048, rate: { perMinute: 60 } },
  handler: async ({ order_id }, ctx) => {
    const order = await ordersApi.getOrder(ctx.credential('orders_read'), order_id);
    if (!order) throw notFound(`Order ${order_id}`);
    return {
      order_id: order.id,
      status: order.status,
      total_usd: order.total_usd,
      updated_at: order.updated_at,
      recommended_next_action:
        order.status === 'open' ? 'The order can still be cancelled with a cancellation draft.' : 'Nothing to do.',
      source_records: [order.id],
    };
  },
});
