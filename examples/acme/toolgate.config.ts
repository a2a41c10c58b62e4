import { actionStatusTool } from '../../src/actions/status-tool.js';
import type { StaticToken } from '../../src/auth/static-tokens.js';
import { defineConfig } from '../../src/config/define-config.js';
import { envCredentials } from '../../src/credentials/provider.js';
import { ACME_CREDENTIALS, acmeEgress } from './tools/acme-client.js';
import { acmeActions } from './tools/actions.js';
import { acmeReadTools } from './tools/read-tools.js';
import { demoIdpSettings } from './idp/gateway-settings.js';
import { DEMO_PRINCIPALS } from './principals.js';

/**
 * The demo toolset over the Acme internal API. Everything secret comes from the environment:
 * ACME_URL and ACME_TOKEN_* (Acme's service tokens), TOOLGATE_DEMO_*_TOKEN (gateway tokens),
 * TOOLGATE_DEMO_IDP_ISSUER and TOOLGATE_DEMO_CONSOLE_SECRET (the demo IdP, see idp/).
 * `toolgate demo` sets them all; run `npx toolgate check --config examples/acme/toolgate.config.ts`.
 */
export function acmeConfig(env: NodeJS.ProcessEnv) {
  const acmeUrl = env.ACME_URL ?? 'http://127.0.0.1:8788';
  const tokens: StaticToken[] = [];
  if (env.TOOLGATE_DEMO_AGENT_TOKEN)
    tokens.push({
      token: env.TOOLGATE_DEMO_AGENT_TOKEN,
      principal: DEMO_PRINCIPALS.agent,
      client: 'support_assistant',
    });
  if (env.TOOLGATE_DEMO_APPROVER_TOKEN)
    tokens.push({
      token: env.TOOLGATE_DEMO_APPROVER_TOKEN,
      principal: DEMO_PRINCIPALS.approver,
      client: 'console',
      canApprove: true,
    });
  return defineConfig({
    tools: [...acmeReadTools(acmeUrl), ...acmeActions(acmeUrl), actionStatusTool()],
    toolsets: {
      support_assistant: [
        'get_customer_billing_summary',
        'search_support_ticket',
        'summarize_incident_errors',
        'create_refund_draft',
        'append_account_note',
        'get_action_status',
      ],
      api_connector: ['get_customer_billing_summary', 'search_support_ticket', 'summarize_incident_errors'],
    },
    credentials: envCredentials(ACME_CREDENTIALS, env),
    // Each credential reaches only the Acme API (a loopback host:port in the demo); see src/egress.
    egress: acmeEgress(acmeUrl),
    database: '.toolgate/demo.db',
    server: { port: 8787, tokens },
    approvers: [DEMO_PRINCIPALS.approver],
    // With the demo IdP running (`toolgate demo` starts it): OAuth on /mcp and console sign-in through it.
    ...demoIdpSettings(env),
    stdio: { principal: DEMO_PRINCIPALS.agent, client: 'support_assistant' },
  });
}

export default acmeConfig(process.env);
