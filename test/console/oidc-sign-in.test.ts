import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleConfig } from '../../src/console/oidc/oidc-config.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startTestServer } from '../helpers/http-server.js';
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
 * Console sign-in through a real IdP (the demo's oidc-provider, with its username/password page),
 * driven over HTTP with a cookie jar: the session lives in the store, the cookie has the right
 * flags, approvals name the IdP subject, and forged or replayed callbacks are refused.
 */
type Idp = Awaited<ReturnType<typeof startTestIdp>>;
type Server = Awaited<ReturnType<typeof startTestServer>>;
const agentInEu = { ...requester, actorId: 'usr_support_ada', tenant: 'eu' };

let api: FakeRefundApi;
let idp: Idp;
let server: Server;
let url: string;

async function gateway(issuer: string, port: number, console: ConsoleConfig, env: NodeJS.ProcessEnv = {}) {
  return startTestServer(
    { tools: [refundAction(api.url), statusTool], credentials: refundCredentials, console },
    { PORT: String(port), TOOLGATE_PUBLIC_URL: `http://127.0.0.1:${port}`, ...env },
  );
}

async function draft(srv: Server, amount = 5) {
  const drafted = await srv.gateway.call({
    tool: 'create_refund_draft',
    args: { invoice_id: 'inv_9', amount_usd: amount, reason: 'double charge in June' },
    principal: agentInEu,
    client: 'support_assistant',
    surface: 'internal',
  });
  if (!drafted.ok) throw new Error(drafted.text);
  return String(drafted.structured.draft_id);
}

beforeAll(async () => {
  api = await startFakeRefundApi();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  idp = await startTestIdp([url]);
  server = await gateway(idp.issuer, port, { oidc: consoleOidc(idp.issuer, { label: 'Sign in with Acme IdP' }) });
}, 30_000);
afterAll(async () => {
  await server?.stop();
  await idp?.close();
  await api?.close();
});

describe('console sign-in through the IdP (OIDC, authorization code + PKCE)', () => {
  it('signs an approver in, approves a draft, and the audit names the IdP subject and issuer', async () => {
    const jar = new CookieJar();
    const loginPage = await jar.follow(`${url}/console`);
    expect(loginPage.url.pathname).toBe('/console/login');
    expect(await loginPage.response.text()).toContain('Sign in with Acme IdP');

    // The authorization request carries PKCE S256, state and nonce.
    const start = await jar.fetch(`${url}/console/oidc/start`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    for (const p of ['code_challenge', 'state', 'nonce']) expect(authorize.searchParams.get(p)).toMatch(/^.{20,}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${url}/console/oidc/callback`);
    const loginCookie = jar.seen.find((c) => c.startsWith('tg_oidc_login='))!;
    expect(loginCookie).toMatch(/; HttpOnly/);
    expect(loginCookie).toMatch(/; SameSite=Lax/);
    expect(loginCookie).not.toMatch(/; Secure/);

    const done = await signInThroughIdp(jar, `${url}/console/oidc/start`, idp.user('grace'));
    expect(done.url.href).toBe(`${url}/console`);
    const inbox = await done.response.text();
    expect(inbox).toContain('Approvals inbox');
    expect(inbox).toContain('usr_lead_grace');
    const sessionCookie = jar.seen.findLast((c) => c.startsWith('tg_console='))!;
    expect(sessionCookie).toMatch(/; HttpOnly/);
    expect(sessionCookie).toMatch(/; SameSite=Lax/);
    expect(sessionCookie).toMatch(/; Path=\/console/);
    expect(sessionCookie).not.toMatch(/; Secure/);

    // The store keeps only a digest of the cookie value.
    const sessionId = jar.cookies.get('tg_console')!.value;
    const db = new Database(join(server.dir, 'toolgate.db'), { readonly: true });
    const rows = db.prepare("SELECT id_hash, data FROM console_sessions WHERE kind = 'session'").all() as {
      id_hash: string;
      data: string;
    }[];
    db.close();
    expect(rows.some((r) => r.id_hash.includes(sessionId) || r.data.includes(sessionId))).toBe(false);
    expect(rows.some((r) => JSON.parse(r.data).principal.subject === 'usr_lead_grace')).toBe(true);

    const id = await draft(server);
    const page = await (await jar.fetch(`${url}/console/drafts/${id}`)).text();
    // A refusal has the status /api gives it (400 here), not 409 whatever the error.
    const tooShort = await jar.fetch(`${url}/console/drafts/${id}/reject`, {
      method: 'POST',
      body: new URLSearchParams({ csrf: csrfOf(page), draft_hash: draftHashOf(page), reason: 'x' }),
    });
    expect(tooShort.status).toBe(400);
    expect(await tooShort.text()).toContain('invalid_input');
    const approved = await jar.fetch(`${url}/console/drafts/${id}/approve`, {
      method: 'POST',
      body: new URLSearchParams({
        csrf: csrfOf(page),
        draft_hash: draftHashOf(page),
        reason: 'double charge confirmed',
      }),
    });
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain('draft is now verified');

    const [approval] = await server.store.audit.query({ kind: 'action.approved', sourceId: id });
    expect(approval).toMatchObject({ actor: 'usr_lead_grace', surface: 'console', outcome: 'ok' });
    // The approval carries the approver's IdP identity like a tool call does: found by subject.
    expect(approval).toMatchObject({ subject: 'usr_lead_grace', issuer: idp.issuer, clientId: 'toolgate-console' });
    const bySubject = await server.store.audit.query({ subject: 'usr_lead_grace', kind: 'action.approved' });
    expect(bySubject.map((e) => e.sourceIds[0])).toContain(id);
    const [signedIn] = await server.store.audit.query({ kind: 'console.signed_in', actor: 'usr_lead_grace' });
    expect(signedIn).toMatchObject({ subject: 'usr_lead_grace', issuer: idp.issuer, clientId: 'toolgate-console' });
  });

  it('refuses a person the IdP knows but whose roles claim lacks the approver role, and audits it', async () => {
    const jar = new CookieJar();
    const done = await signInThroughIdp(jar, `${url}/console/oidc/start`, idp.user('ada'));
    expect(done.response.status).toBe(403);
    expect(await done.response.text()).toContain('does not hold the role &quot;billing_approver&quot;');
    expect(jar.cookies.has('tg_console')).toBe(false);
    const [refused] = await server.store.audit.query({ kind: 'console.sign_in_refused', subject: 'usr_support_ada' });
    expect(refused).toMatchObject({ outcome: 'denied', reason: 'missing role billing_approver' });
  });
});

describe('console sessions in the store', () => {
  it('sign-out deletes the session: the old cookie no longer opens the console', async () => {
    const jar = new CookieJar();
    const done = await signInThroughIdp(jar, `${url}/console/oidc/start`, idp.user('grace'));
    const old = jar.cookies.get('tg_console')!.value;
    const out = await jar.fetch(`${url}/console/logout`, {
      method: 'POST',
      body: new URLSearchParams({ csrf: csrfOf(await done.response.text()) }),
    });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/console/login');
    expect(jar.cookies.has('tg_console')).toBe(false);
    const replay = await fetch(`${url}/console`, { headers: { cookie: `tg_console=${old}` }, redirect: 'manual' });
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toBe('/console/login');
  });

  it('an expired session is refused even before the sweep removes its row', async () => {
    const jar = new CookieJar();
    await signInThroughIdp(jar, `${url}/console/oidc/start`, idp.user('grace'));
    expect((await jar.fetch(`${url}/console`)).status).toBe(200);
    const db = new Database(join(server.dir, 'toolgate.db'));
    db.prepare("UPDATE console_sessions SET expires_at = '2000-01-01T00:00:00.000Z' WHERE kind = 'session'").run();
    db.close();
    const after = await jar.fetch(`${url}/console`);
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toBe('/console/login');
  });

  it('token sign-in stays for development and is store-backed; it can be turned off', async () => {
    const approverToken = 'test-approver-token-0123456789abcdef';
    const port = await freePort();
    const tokenServer = await startTestServer(
      {
        tools: [refundAction(api.url), statusTool],
        credentials: refundCredentials,
        server: {
          tokens: [
            {
              token: approverToken,
              principal: { ...agentInEu, actorId: 'usr_dev', roles: ['billing_approver'] },
              client: 'console',
              canApprove: true,
            },
          ],
        },
      },
      { PORT: String(port) },
    );
    const closed = await gateway(idp.issuer, await freePort(), { oidc: consoleOidc(idp.issuer), tokenSignIn: false });
    try {
      const base = `http://127.0.0.1:${port}`;
      const jar = new CookieJar();
      const form = await (await jar.fetch(`${base}/console/login`)).text();
      const signed = await jar.fetch(`${base}/console/login`, {
        method: 'POST',
        body: new URLSearchParams({ csrf: csrfOf(form), token: approverToken }),
      });
      expect(signed.status).toBe(302);
      expect(jar.seen.findLast((c) => c.startsWith('tg_console='))).toMatch(/HttpOnly; SameSite=Lax/);
      const db = new Database(join(tokenServer.dir, 'toolgate.db'), { readonly: true });
      const row = db.prepare("SELECT data FROM console_sessions WHERE kind = 'session'").get() as { data: string };
      db.close();
      expect(JSON.parse(row.data)).toMatchObject({ method: 'token', principal: { actorId: 'usr_dev' } });

      const closedUrl = closed.url;
      const page = await (await fetch(`${closedUrl}/console/login`)).text();
      expect(page).not.toContain('name="token"');
      expect(page).toContain('/console/oidc/start');
      const off = await fetch(`${closedUrl}/console/login`, {
        method: 'POST',
        body: new URLSearchParams({ token: 'x' }),
      });
      expect(off.status).toBe(404);
    } finally {
      await tokenServer.stop();
      await closed.stop();
    }
  });
});

describe('a token sign-in session', () => {
  it('ends when its token is removed from the config or token sign-in is turned off', async () => {
    const approverToken = 'test-approver-token-0123456789abcdef';
    const tokens = [
      {
        token: approverToken,
        principal: { ...agentInEu, actorId: 'usr_dev', roles: ['billing_approver'] },
        client: 'console',
        canApprove: true,
      },
    ];
    const tools = [refundAction(api.url), statusTool];
    const holder = await startTestServer({ tools, credentials: refundCredentials, server: { tokens } });
    await holder.close(); // keeps its directory: the database every server below shares
    const database = { TOOLGATE_DB: join(holder.dir, 'toolgate.db') };
    const serve = (config: object) =>
      startTestServer({ tools, credentials: refundCredentials, server: { tokens }, ...config }, database);
    try {
      // Restarted on the same database: the same config keeps the session; without the token, or
      // with token sign-in off, the old cookie no longer opens anything (before: 8 more hours).
      for (const [change, opens] of [
        [{}, true],
        [{ console: { tokenSignIn: false } }, false],
        [{ server: { tokens: [] } }, false],
      ] as const) {
        const jar = new CookieJar();
        const signing = await serve({});
        try {
          const form = await (await jar.fetch(`${signing.url}/console/login`)).text();
          await jar.fetch(`${signing.url}/console/login`, {
            method: 'POST',
            body: new URLSearchParams({ csrf: csrfOf(form), token: approverToken }),
          });
          expect((await jar.fetch(`${signing.url}/console`, { redirect: 'manual' })).status).toBe(200);
        } finally {
          await signing.stop();
        }
        const after = await serve(change);
        try {
          const res = await jar.fetch(`${after.url}/console`, { redirect: 'manual' });
          expect([JSON.stringify(change), res.status]).toEqual([JSON.stringify(change), opens ? 200 : 302]);
        } finally {
          await after.stop();
        }
      }
    } finally {
      rmSync(holder.dir, { recursive: true, force: true });
    }
  });
});

describe('callbacks that must be refused', () => {
  it('a forged state is refused, and the sign-in it belonged to cannot be finished afterwards', async () => {
    const jar = new CookieJar();
    const intercepted = await signInThroughIdp(jar, `${url}/console/oidc/start`, idp.user('grace'), {
      stopAtCallback: true,
    });
    const callback = intercepted.url;
    expect(callback.searchParams.get('code')).toBeTruthy();
    const forged = new URL(callback);
    forged.searchParams.set('state', 'attacker-chosen-state-value');
    const refused = await jar.fetch(forged);
    expect(refused.status).toBe(401);
    expect(jar.cookies.has('tg_console')).toBe(false);
    // The pending sign-in was used up by the forged attempt: the genuine answer is refused too.
    const replay = await jar.fetch(callback);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain('expired or was not started in this browser');
  });

  it('a callback without this browser’s PKCE verifier is refused; the IdP refuses the code without it', async () => {
    const victim = new CookieJar();
    const intercepted = await signInThroughIdp(victim, `${url}/console/oidc/start`, idp.user('grace'), {
      stopAtCallback: true,
    });
    // An attacker replays the victim's callback from another browser: no login record, no verifier.
    const attacker = new CookieJar();
    const stolen = await attacker.fetch(intercepted.url);
    expect(stolen.status).toBe(401);
    expect(attacker.cookies.has('tg_console')).toBe(false);
    // Straight to the IdP with the client's own credentials but no code_verifier: invalid_grant.
    const token = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`toolgate-console:${'console-secret-for-tests-0123456789'}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: intercepted.url.searchParams.get('code')!,
        redirect_uri: `${url}/console/oidc/callback`,
      }),
    });
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('an error answer from the IdP (the person pressed Deny) is refused', async () => {
    const jar = new CookieJar();
    const start = await jar.fetch(`${url}/console/oidc/start`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const denied = await jar.fetch(
      `${url}/console/oidc/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(idp.issuer)}`,
    );
    expect(denied.status).toBe(401);
    expect(jar.cookies.has('tg_console')).toBe(false);
  });
});

describe('failures and configuration', () => {
  it('repeated failed callbacks from one address are throttled with Retry-After, and audited', async () => {
    const port = await freePort();
    const own = await gateway(idp.issuer, port, { oidc: consoleOidc(idp.issuer) });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 12; i++) {
        const res = await fetch(`${own.url}/console/oidc/callback?code=guess${i}&state=guess`, { redirect: 'manual' });
        statuses.push(res.status);
        retryAfter ??= res.headers.get('retry-after');
        await res.body?.cancel();
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(await own.store.audit.query({ kind: 'auth.throttled' })).toHaveLength(1);
    } finally {
      await own.stop();
    }
  });

  it('the sign-in cookies are Secure when the public URL is https', async () => {
    const port = await freePort();
    const tls = await gateway(
      idp.issuer,
      port,
      { oidc: consoleOidc(idp.issuer) },
      {
        TOOLGATE_PUBLIC_URL: 'https://toolgate.example.test',
      },
    );
    try {
      const start = await fetch(`${tls.url}/console/oidc/start`, { redirect: 'manual' });
      expect(start.status).toBe(302);
      const redirect = new URL(start.headers.get('location')!).searchParams.get('redirect_uri');
      expect(redirect).toBe('https://toolgate.example.test/console/oidc/callback');
      // __Host-: only this origin can set it. A sibling subdomain planting its own pending sign-in
      // had the callback complete the attacker's session into the approver's browser.
      const cookie = start.headers.getSetCookie().find((c) => c.startsWith('__Host-tg_oidc_login='));
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).toMatch(/; Path=\//);
      const login = start.headers.getSetCookie().find((c) => c.startsWith('__Host-tg_login_csrf='));
      expect(login ?? (await fetch(`${tls.url}/console/login`)).headers.getSetCookie().join()).toMatch(
        /__Host-tg_login_csrf=[^;]+;.*Secure/,
      );
      // The same pending id under the plain name (what a subdomain can set) is not read.
      const id = cookie!.split(';')[0]!.split('=')[1]!;
      const planted = await fetch(`${tls.url}/console/oidc/callback?code=x&state=y`, {
        headers: { cookie: `tg_oidc_login=${id}` },
        redirect: 'manual',
      });
      expect(planted.status).toBe(401);
      expect(await planted.text()).toContain('was not started in this browser');
    } finally {
      await tls.stop();
    }
  });

  it('an unreachable IdP gives a clear 503 on the sign-in page, not a hang', async () => {
    const down = await gateway('http://127.0.0.1:9', await freePort(), { oidc: consoleOidc('http://127.0.0.1:9') });
    try {
      const res = await fetch(`${down.url}/console/oidc/start`, { redirect: 'manual' });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('identity provider cannot be reached');
    } finally {
      await down.stop();
    }
  });
});
