import type { ToolgateConfig } from '../../../src/config/define-config.js';

/**
 * How the demo gateway trusts the demo IdP, read from the environment `toolgate demo` sets:
 * TOOLGATE_DEMO_IDP_ISSUER (the IdP) and TOOLGATE_DEMO_CONSOLE_SECRET (the console's client
 * secret). /mcp accepts the IdP's JWT access tokens beside the static demo tokens; the console
 * signs approvers in through the IdP beside approver-token sign-in.
 */
export const CONSOLE_CLIENT_ID = 'toolgate-console';
export const APPROVER_ROLE = 'billing_approver';

export function demoIdpSettings(env: NodeJS.ProcessEnv): Pick<ToolgateConfig, 'auth' | 'console'> {
  const issuer = env.TOOLGATE_DEMO_IDP_ISSUER;
  const secret = env.TOOLGATE_DEMO_CONSOLE_SECRET;
  if (!issuer || !secret) return {};
  return {
    auth: {
      jwt: { issuer },
      // OAuth callers see the support assistant's toolset; approvers stay off /mcp.
      client: 'support_assistant',
      approverRole: APPROVER_ROLE,
    },
    console: {
      oidc: {
        issuer,
        clientId: CONSOLE_CLIENT_ID,
        clientSecret: secret,
        scopes: ['openid', 'profile', 'email', 'roles'],
        approverRole: APPROVER_ROLE,
        label: 'Sign in with Acme IdP',
      },
    },
  };
}
