import { randomBytes } from 'node:crypto';
import { DEMO_PRINCIPALS } from '../principals.js';

/**
 * The demo IdP's people: the support agent who uses Claude (MCP over OAuth) and the billing
 * approver who signs in to the console. Their subjects equal the demo principals' actor ids, so
 * the audit names the same person whichever way they came in. Passwords are fresh every run.
 */
export interface IdpUser {
  /** What the person types on the IdP's sign-in page. */
  readonly username: string;
  readonly password: string;
  /** Becomes `sub`. */
  readonly subject: string;
  /** Released in ID tokens / userinfo (scopes `profile`, `email`, `roles`) and in access tokens. */
  readonly claims: Readonly<{ name: string; email: string; tenant: string; roles: readonly string[] }>;
  /** Resource scopes this person may grant a client; others are refused at consent. */
  readonly scopes: readonly string[];
}

export function demoIdpUsers(): IdpUser[] {
  const password = () => randomBytes(9).toString('base64url');
  const { agent, approver } = DEMO_PRINCIPALS;
  return [
    {
      username: 'ada',
      password: password(),
      subject: agent.actorId,
      claims: { name: 'Ada (support agent)', email: 'ada@acme.example', tenant: agent.tenant, roles: agent.roles },
      scopes: agent.scopes,
    },
    {
      username: 'grace',
      password: password(),
      subject: approver.actorId,
      claims: {
        name: 'Grace (billing approver)',
        email: 'grace@acme.example',
        tenant: approver.tenant,
        roles: approver.roles,
      },
      scopes: approver.scopes,
    },
  ];
}
