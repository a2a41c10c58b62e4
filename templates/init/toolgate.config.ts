import { actionStatusTool, defineConfig, envCredentials } from 'toolgate';
import { cancelOrderDraft } from './src/tools/cancel-order.js';
import { getOrderStatus } from './src/tools/get-order-status.js';

const agent = {
  actorId: 'usr_agent',
  tenant: 'acme',
  roles: ['support'],
  scopes: ['orders:read', 'orders:draft', 'actions:read'],
};

/**
 * The toolset and how to serve it. Secrets come from the environment only:
 * ORDERS_READ_TOKEN / ORDERS_WRITE_TOKEN (the internal API's service credentials) and
 * TOOLGATE_TOKEN (what Claude Code sends to `toolgate serve`).
 */
export default defineConfig({
  tools: [getOrderStatus, cancelOrderDraft, actionStatusTool()],
  toolsets: { claude_code: ['get_order_status', 'create_order_cancellation_draft', 'get_action_status'] },
  credentials: envCredentials({ orders_read: 'ORDERS_READ_TOKEN', orders_write: 'ORDERS_WRITE_TOKEN' }),
  // The hosts each credential may reach through ctx.fetch; everything else is refused (egress_denied).
  // The stand-in API is in memory, so nothing yet: when you switch to HTTP, list it, e.g.
  // orders_read: ['orders.internal.example.com'] (ports 80/443), or 'orders.internal:8443', '10.0.0.0/8:443'.
  egress: { orders_read: [], orders_write: [] },
  database: '.toolgate/toolgate.db',
  server: {
    tokens: process.env.TOOLGATE_TOKEN
      ? [{ token: process.env.TOOLGATE_TOKEN, principal: agent, client: 'claude_code' }]
      : [],
  },
  approvers: [{ actorId: 'usr_lead', tenant: 'acme', roles: ['orders_approver'], scopes: [] }],
  stdio: { principal: agent, client: 'claude_code' },
});
