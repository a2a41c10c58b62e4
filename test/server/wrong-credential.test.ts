import { afterEach, beforeEach, expect, it } from 'vitest';
import { auditEdgeRefusal, auditWrongCredential } from '../../src/server/auth-audit.js';
import { approver, requester } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

let t: Awaited<ReturnType<typeof tempSqliteStore>>;
beforeEach(async () => {
  t = await tempSqliteStore();
});
afterEach(async () => t.cleanup());

it('a good credential of the wrong kind is audited once a minute per actor and surface, the next event counting the rest', async () => {
  // The failed-auth throttle does not slow a good credential: before, 300 requests wrote 300 events.
  const lead = { principal: approver(), client: 'console', canApprove: true };
  const agent = { principal: requester, client: 'support_app', canApprove: false };
  const at = { requestId: null, address: '10.0.0.9' };
  const start = Date.parse('2026-12-07T10:00:00Z');
  for (let i = 0; i < 300; i++)
    await auditWrongCredential(t.store.audit, lead, { ...at, surface: 'mcp_http' }, start + i);
  await auditWrongCredential(t.store.audit, agent, { ...at, surface: 'api' }, start + 5);
  await auditWrongCredential(t.store.audit, lead, { ...at, surface: 'mcp_http' }, start + 60_000);
  const events = await t.store.audit.query({ kind: 'auth.denied' });
  expect(events.map((e) => [e.actor, e.surface, e.errorCode])).toEqual([
    ['usr_lead', 'mcp_http', 'forbidden'],
    ['usr_agent', 'api', 'forbidden'],
    ['usr_lead', 'mcp_http', 'forbidden'],
  ]);
  expect(events[0]!.reason).toBe('an approver credential was used on /mcp, which serves model clients only');
  expect(events[1]!.reason).toMatch(/^a model-client credential was used on the approvals API/);
  expect(events[2]!.reason).toMatch(/\(and 299 more times since the last such event\)$/);
});

it('the same actor id in two tenants is two holders: neither has its refusals left out for the other', async () => {
  // Actor ids are not unique across tenants: alpha's usr_bob was counted in beta's usr_bob's event.
  const bob = (tenant: string) => ({
    principal: { ...requester, actorId: 'usr_bob', tenant },
    client: 'c',
    canApprove: false,
  });
  const at = { requestId: null, address: '10.0.0.9', surface: 'api' as const };
  const start = Date.parse('2026-12-07T10:00:00Z');
  await auditWrongCredential(t.store.audit, bob('beta'), at, start);
  for (let i = 1; i <= 3; i++) await auditWrongCredential(t.store.audit, bob('alpha'), at, start + i);
  await auditWrongCredential(t.store.audit, bob('beta'), at, start + 60_000);
  const events = await t.store.audit.query({ kind: 'auth.denied' });
  expect(events.map((e) => [e.tenant, e.reason.endsWith('only') ? 'first' : e.reason.slice(-45)])).toEqual([
    ['beta', 'first'],
    ['alpha', 'first'],
    ['beta', 'first'],
  ]);
});

it('"the IdP cannot be reached" (503) is audited once a minute per surface and address; other refusals each time', async () => {
  // The throttle does not count a 503 (the token may be fine), so an outage, or forged tokens
  // naming an unknown key during one, would add one event a request.
  const unreachable = {
    ok: false,
    status: 503,
    error: 'temporarily_unavailable',
    description: 'try again shortly',
    challenge: null,
    reason: 'issuer keys unavailable: ERR_JWKS_TIMEOUT',
  } as const;
  const invalid = { ...unreachable, status: 401, error: 'invalid_token', reason: 'jwt signature invalid' } as const;
  const start = Date.parse('2026-12-07T10:00:00Z');
  const at = (address: string) => ({ surface: 'mcp_http' as const, requestId: null, address });
  for (let i = 0; i < 50; i++) await auditEdgeRefusal(t.store.audit, unreachable, at('10.0.0.1'), start + i);
  await auditEdgeRefusal(t.store.audit, unreachable, at('10.0.0.2'), start + 60);
  for (let i = 0; i < 3; i++) await auditEdgeRefusal(t.store.audit, invalid, at('10.0.0.1'), start + 100 + i);
  await auditEdgeRefusal(t.store.audit, unreachable, at('10.0.0.1'), start + 60_000);
  const events = await t.store.audit.query({ kind: 'auth.denied' });
  expect(events.map((e) => [e.actor, e.errorCode])).toEqual([
    ['address:10.0.0.1', 'temporarily_unavailable'],
    ['address:10.0.0.2', 'temporarily_unavailable'],
    ['address:10.0.0.1', 'invalid_token'],
    ['address:10.0.0.1', 'invalid_token'],
    ['address:10.0.0.1', 'invalid_token'],
    ['address:10.0.0.1', 'temporarily_unavailable'],
  ]);
  expect(events.at(-1)!.reason).toBe(
    'issuer keys unavailable: ERR_JWKS_TIMEOUT (and 49 more times since the last such event)',
  );
});

it('a step-up refusal (403 insufficient_scope) is audited once a minute per holder and tool, the next counting the rest', async () => {
  // Review: a valid token lacking a scope is not slowed by the failed-auth throttle; 60 requests wrote 60 events.
  const stepUp = {
    ok: false,
    status: 403,
    error: 'insufficient_scope',
    description: 'tools/call delete_customer_record needs the scope admin:write; authorize again with it.',
    challenge: null,
    reason: 'missing scope admin:write for tools/call delete_customer_record',
  } as const;
  const at = (tool: string, actorId = 'usr_agent') => ({
    surface: 'mcp_http' as const,
    requestId: null,
    address: '10.0.0.9',
    tool,
    principal: { ...requester, actorId },
    client: 'oauth',
  });
  const start = Date.parse('2026-12-07T10:00:00Z');
  for (let i = 0; i < 60; i++) await auditEdgeRefusal(t.store.audit, stepUp, at('delete_customer_record'), start + i);
  await auditEdgeRefusal(t.store.audit, stepUp, at('refund_invoice'), start + 70);
  await auditEdgeRefusal(t.store.audit, stepUp, at('delete_customer_record', 'usr_other'), start + 80);
  await auditEdgeRefusal(t.store.audit, stepUp, at('delete_customer_record'), start + 60_000);
  const events = await t.store.audit.query({ kind: 'auth.denied' });
  expect(events.map((e) => [e.actor, e.tool, e.client])).toEqual([
    ['usr_agent', 'delete_customer_record', 'oauth'],
    ['usr_agent', 'refund_invoice', 'oauth'],
    ['usr_other', 'delete_customer_record', 'oauth'],
    ['usr_agent', 'delete_customer_record', 'oauth'],
  ]);
  expect(events[3]!.reason).toMatch(/\(and 59 more times since the last such event\)$/);
});
