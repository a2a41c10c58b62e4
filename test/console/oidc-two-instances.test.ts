import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startTestServer } from '../helpers/http-server.js';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { refundAction, refundCredentials, requester, statusTool } from '../helpers/refund-action.js';
import {
  CookieJar,
  consoleOidc,
  csrfOf,
  draftHashOf,
  freePort,
  signInThroughIdp,
  startTestIdp,
} from './oidc-support.js';

/**
 * Two gateway instances behind one (imagined) load balancer on one PostgreSQL: the sign-in starts
 * on A, the IdP sends the browser back to B, the approval happens on A, sign-out on B ends the
 * session on A too. Nothing is sticky: every step reads the shared store.
 */
const bin = findPostgresBin();
if (!bin)
  console.warn('\n⚠ SKIPPED console OIDC two-instance test: no PostgreSQL binaries under /usr/lib/postgresql\n');

describe.skipIf(!bin)('console sessions shared by two gateway instances on one PostgreSQL', () => {
  let pg: ThrowawayPostgres | null = null;
  let api: FakeRefundApi;
  let idp: Awaited<ReturnType<typeof startTestIdp>>;
  let a: Awaited<ReturnType<typeof startTestServer>>;
  let b: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    const database = await pg!.createDatabase();
    api = await startFakeRefundApi();
    const [portA, portB] = [await freePort(), await freePort()];
    const [urlA, urlB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    idp = await startTestIdp([urlA, urlB]);
    // The load balancer's one callback URL; here it happens to reach instance B.
    const oidc = consoleOidc(idp.issuer, { redirectUri: `${urlB}/console/oidc/callback` });
    const start = (port: number) =>
      startTestServer(
        { tools: [refundAction(api.url), statusTool], credentials: refundCredentials, console: { oidc } },
        { PORT: String(port), TOOLGATE_DATABASE_URL: database },
      );
    a = await start(portA);
    b = await start(portB);
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await idp?.close();
    await api?.close();
    pg?.stop();
  });

  it('sign in through A (callback on B), approve on A, sign out on B: the session ends on A as well', async () => {
    const jar = new CookieJar();
    const start = await jar.fetch(`${a.url}/console/oidc/start`);
    expect(start.status).toBe(302);
    const done = await signInThroughIdp(jar, start.headers.get('location')!, idp.user('grace'));
    expect(done.url.href).toBe(`${b.url}/console`);
    expect(await done.response.text()).toContain('Approvals inbox');

    const drafted = await b.gateway.call({
      tool: 'create_refund_draft',
      args: { invoice_id: 'inv_42', amount_usd: 9, reason: 'charged twice for August' },
      principal: { ...requester, actorId: 'usr_support_ada', tenant: 'eu' },
      client: 'support_assistant',
      surface: 'internal',
    });
    const id = drafted.ok ? String(drafted.structured.draft_id) : '';
    expect(id).toMatch(/^drf_/);
    // A never saw this sign-in: it finds the session (and its CSRF token) in PostgreSQL.
    const page = await jar.fetch(`${a.url}/console/drafts/${id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const approved = await jar.fetch(`${a.url}/console/drafts/${id}/approve`, {
      method: 'POST',
      body: new URLSearchParams({
        csrf: csrfOf(html),
        draft_hash: draftHashOf(html),
        reason: 'confirmed in the payment log',
      }),
    });
    expect(await approved.text()).toContain('draft is now verified');
    expect(api.createRequests).toHaveLength(1);
    const [approval] = await b.store.audit.query({ kind: 'action.approved', sourceId: id });
    expect(approval).toMatchObject({ actor: 'usr_lead_grace', surface: 'console' });

    const inboxOnB = await (await jar.fetch(`${b.url}/console`)).text();
    const cookie = jar.header(new URL(`${a.url}/console`));
    const out = await jar.fetch(`${b.url}/console/logout`, {
      method: 'POST',
      body: new URLSearchParams({ csrf: csrfOf(inboxOnB) }),
    });
    expect(out.status).toBe(302);
    const afterOnA = await fetch(`${a.url}/console`, { headers: { cookie }, redirect: 'manual' });
    expect(afterOnA.status).toBe(302);
    expect(afterOnA.headers.get('location')).toBe('/console/login');
  }, 60_000);
});
