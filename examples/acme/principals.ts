import type { Principal } from '../../src/auth/principal.js';

/** The demo's people: a support agent (drafts, reads) and a billing approver (decides drafts). */
export const DEMO_PRINCIPALS = {
  agent: {
    actorId: 'usr_support_ada',
    tenant: 'eu',
    roles: ['support'],
    scopes: ['billing:read', 'tickets:read', 'incidents:read', 'refunds:draft', 'notes:write', 'actions:read'],
  },
  approver: {
    actorId: 'usr_lead_grace',
    tenant: 'eu',
    roles: ['billing_approver', 'support_lead'],
    scopes: ['actions:read'],
  },
} satisfies Record<string, Principal>;
