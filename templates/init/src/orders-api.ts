import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A stand-in for your internal orders API, kept in a JSON file so the project runs at once and
 * `toolgate serve` and `toolgate approvals approve` (two processes) see the same orders. Replace
 * the bodies with `ctx.fetch` calls to the real service (pass the handler's ctx in; the global
 * fetch bypasses the egress allowlist), list its host under `egress` in toolgate.config.ts, send
 * `token` as its service credential and `idempotencyKey` on writes so a retried request cannot act twice.
 */
export interface Order {
  readonly id: string;
  readonly tenant: string;
  status: 'open' | 'shipped' | 'cancelled';
  readonly total_usd: number;
  readonly updated_at: string;
}

interface State {
  orders: Record<string, Order>;
  /** Idempotency key → order id: a cancellation retried with its key acts once. */
  cancellations: Record<string, string>;
}

const SEED: State = {
  orders: {
    ord_1001: { id: 'ord_1001', tenant: 'acme', status: 'open', total_usd: 120, updated_at: '2026-11-01T10:00:00Z' },
    ord_1002: { id: 'ord_1002', tenant: 'acme', status: 'shipped', total_usd: 80, updated_at: '2026-11-02T09:30:00Z' },
    ord_2001: { id: 'ord_2001', tenant: 'globex', status: 'open', total_usd: 45, updated_at: '2026-11-03T08:15:00Z' },
  },
  cancellations: {},
};

/**
 * Read on every use, so a test can point it at a file of its own. Relative to the working directory,
 * as the default database is: run `serve` and `approvals` from the project. Delete it to start over.
 */
const file = () => process.env.ORDERS_STANDIN_FILE ?? '.toolgate/orders-standin.json';

function load(): State {
  try {
    return JSON.parse(readFileSync(file(), 'utf8')) as State;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return structuredClone(SEED);
    throw error;
  }
}

/**
 * Written whole and renamed into place: a reader never sees half a file, and two processes
 * saving at once each rename their own. (The last save wins: a stand-in, not a database.)
 */
function save(state: State): void {
  mkdirSync(dirname(file()), { recursive: true });
  const temporary = `${file()}.${process.pid}-${randomUUID()}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, null, 2));
  renameSync(temporary, file());
}

function authorize(token: string): void {
  if (!token) throw new Error('orders API: missing service credential');
}

export const ordersApi = {
  async getOrder(token: string, id: string): Promise<Order | null> {
    authorize(token);
    return load().orders[id] ?? null;
  },
  async cancel(token: string, id: string, idempotencyKey: string): Promise<Order> {
    authorize(token);
    const state = load();
    const order = state.orders[id];
    if (!order) throw new Error(`orders API: no order ${id}`);
    if (!(idempotencyKey in state.cancellations)) {
      state.cancellations[idempotencyKey] = id;
      order.status = 'cancelled';
      save(state);
    }
    return order;
  },
  async cancellationFor(token: string, idempotencyKey: string): Promise<Order | null> {
    authorize(token);
    const state = load();
    const id = state.cancellations[idempotencyKey];
    return id ? (state.orders[id] ?? null) : null;
  },
  async reopen(token: string, id: string): Promise<Order> {
    authorize(token);
    const state = load();
    const order = state.orders[id];
    if (!order) throw new Error(`orders API: no order ${id}`);
    order.status = 'open';
    save(state);
    return order;
  },
};
