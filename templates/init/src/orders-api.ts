/**
 * A stand-in for your internal orders API, in memory so the project runs at once. Replace the
 * bodies with `ctx.fetch` calls to the real service (pass the handler's ctx in; the global fetch
 * bypasses the egress allowlist), list its host under `egress` in toolgate.config.ts, send
 * `token` as its service credential and `idempotencyKey` on writes so a retried request cannot act twice.
 */
export interface Order {
  readonly id: string;
  readonly tenant: string;
  status: 'open' | 'shipped' | 'cancelled';
  readonly total_usd: number;
  readonly updated_at: string;
}

const orders = new Map<string, Order>([
  ['ord_1001', { id: 'ord_1001', tenant: 'acme', status: 'open', total_usd: 120, updated_at: '2026-11-01T10:00:00Z' }],
  [
    'ord_1002',
    { id: 'ord_1002', tenant: 'acme', status: 'shipped', total_usd: 80, updated_at: '2026-11-02T09:30:00Z' },
  ],
  ['ord_2001', { id: 'ord_2001', tenant: 'globex', status: 'open', total_usd: 45, updated_at: '2026-11-03T08:15:00Z' }],
]);
const cancellations = new Map<string, string>(); // idempotency key → order id

function authorize(token: string): void {
  if (!token) throw new Error('orders API: missing service credential');
}

export const ordersApi = {
  async getOrder(token: string, id: string): Promise<Order | null> {
    authorize(token);
    return orders.get(id) ?? null;
  },
  async cancel(token: string, id: string, idempotencyKey: string): Promise<Order> {
    authorize(token);
    const order = orders.get(id);
    if (!order) throw new Error(`orders API: no order ${id}`);
    if (!cancellations.has(idempotencyKey)) {
      cancellations.set(idempotencyKey, id);
      order.status = 'cancelled';
    }
    return order;
  },
  async cancellationFor(token: string, idempotencyKey: string): Promise<Order | null> {
    authorize(token);
    const id = cancellations.get(idempotencyKey);
    return id ? (orders.get(id) ?? null) : null;
  },
  async reopen(token: string, id: string): Promise<Order> {
    authorize(token);
    const order = orders.get(id);
    if (!order) throw new Error(`orders API: no order ${id}`);
    order.status = 'open';
    return order;
  },
};
