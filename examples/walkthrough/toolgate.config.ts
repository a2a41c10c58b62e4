import { defineConfig } from '../../src/config/define-config.js';
import type { StaticToken } from '../../src/auth/static-tokens.js';
import { walkthroughCredentials, walkthroughTools } from './toolset.js';

/**
 * The walkthrough toolset served over MCP. Tokens come from the environment only:
 *   export TOOLGATE_TOKEN=$(openssl rand -hex 24)
 *   npx toolgate serve --config examples/walkthrough/toolgate.config.ts
 */
const agent = {
  actorId: 'usr_support_ada',
  tenant: 'acme',
  roles: ['support'],
  scopes: ['billing:read', 'tickets:read'],
};

const tokens: StaticToken[] = [];
if (process.env.TOOLGATE_TOKEN)
  tokens.push({ token: process.env.TOOLGATE_TOKEN, principal: agent, client: 'claude_code' });
if (process.env.TOOLGATE_BILLING_ONLY_TOKEN) {
  tokens.push({
    token: process.env.TOOLGATE_BILLING_ONLY_TOKEN,
    principal: { ...agent, actorId: 'svc_billing_bot', scopes: ['billing:read'] },
    client: 'api_connector',
  });
}

export default defineConfig({
  tools: walkthroughTools,
  credentials: walkthroughCredentials,
  // The walkthrough's Acme lives in memory: these credentials make no HTTP calls, so ctx.fetch
  // reaches nothing. A real API would be listed here, e.g. acme_billing_read: ['billing.acme.internal'].
  egress: { acme_billing_read: [], acme_tickets_read: [] },
  toolsets: {
    claude_code: ['get_customer_billing_summary', 'search_support_ticket'],
    api_connector: ['get_customer_billing_summary'],
  },
  database: '.toolgate/walkthrough.db',
  server: { tokens },
  stdio: { principal: agent, client: 'claude_code' },
});
