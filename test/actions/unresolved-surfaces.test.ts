import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.js';
import { startTestServer } from '../helpers/http-server.js';
import { approver, refundAction, refundCredentials, requester } from '../helpers/refund-action.js';

// An unresolved draft (the write's outcome is unknown) is decided by a person on every surface
// people use: the REST API and the console (the CLI is covered in crash.test.ts).
const MODEL_TOKEN = 'model-client-token-0123456789';
const APPROVER_TOKEN = 'approver-token-0123456789abcd';
let api: FakeRefundApi;
let proxy: FaultyProxy;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  api = await startFakeRefundApi();
  proxy = await startFaultyProxy(api.url);
  server = await startTestServer({
    tools: [refundAction(proxy.url, {}, 300)],
    credentials: refundCredentials,
    server: {
      tokens: [
        { token: MODEL_TOKEN, principal: requester, client: 'support_app' },
        { token: APPROVER_TOKEN, principal: approver(), client: 'console', canApprove: true },
      ],
    },
  });
});
afterAll(async () => {
  await server.stop();
  await proxy.close();
  await api.close();
});

async function unresolvedDraft(): Promise<string> {
  const args = { invoice_id: 'inv_789', amount_usd: 15, reason: 'double charge' };
  const drafted = await server.gateway.call({
    tool: 'create_refund_draft',
    args,
    principal: requester,
    client: 'support_app',
    surface: 'direct',
  });
  if (!drafted.ok) throw new Error(drafted.text);
  const id = (drafted.structured as { draft_id: string }).draft_id;
  proxy.nextPosts.push('hang');
  const settled = await server.gateway.actions.approve(id, approver(), { reason: 'checked', surface: 'api' });
  expect(settled.status).toBe('unresolved');
  return id;
}

const rest = (path: string, body: unknown) =>
  fetch(`${server.url}/api${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${APPROVER_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** A console session for the approver token: the session cookie. */
async function signIn(): Promise<string> {
  const form = await fetch(`${server.url}/console/login`);
  const loginCsrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const login = await fetch(`${server.url}/console/login`, {
    method: 'POST',
    headers: { cookie: (form.headers.get('set-cookie') ?? '').split(';')[0]! },
    body: new URLSearchParams({ token: APPROVER_TOKEN, csrf: loginCsrf }),
    redirect: 'manual',
  });
  return login.headers
    .getSetCookie()
    .find((c) => c.startsWith('tg_console='))!
    .split(';')[0]!;
}

describe('unresolved drafts over REST and in the console', () => {
  it('REST: retry runs once with the same key and verifies; a second retry is refused', async () => {
    const id = await unresolvedDraft();
    // A draft_hash other than the draft's is refused before anything runs (it was never compared).
    const posts = api.createRequests.length;
    for (const verb of ['retry', 'close']) {
      const stale = await rest(`/drafts/${id}/${verb}`, { reason: 'reviewed', draft_hash: 'f'.repeat(64) });
      expect({ verb, status: stale.status }).toEqual({ verb, status: 409 });
    }
    expect(api.createRequests.length).toBe(posts);
    const { draftHash } = (await server.gateway.actions.get(id))!;
    const res = await rest(`/drafts/${id}/retry`, { reason: 'no refund upstream', draft_hash: draftHash });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: 'verified' });
    const again = await rest(`/drafts/${id}/retry`, { reason: 'again' });
    expect(again.status).toBe(409);
  });

  it('console: the draft page offers retry and close; close (with the CSRF token) ends it as failed', async () => {
    const id = await unresolvedDraft();
    const cookie = await signIn();
    const page = await (await fetch(`${server.url}/console/drafts/${id}`, { headers: { cookie } })).text();
    expect(page).toMatch(/Outcome unknown/);
    expect(page).toMatch(new RegExp(`action="/console/drafts/${id}/retry"`));
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    const draftHash = /name="draft_hash" value="([^"]+)"/.exec(page)?.[1];
    expect(draftHash).toBe((await server.gateway.actions.get(id))?.draftHash);
    const forged = await fetch(`${server.url}/console/drafts/${id}/close`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ reason: 'no csrf' }),
    });
    expect(forged.status).toBe(403);
    // Every console form carries the hash of the draft it showed: a post without one was not
    // made from the page, and was taken (the check was skipped) before.
    const unhashed = await fetch(`${server.url}/console/drafts/${id}/close`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ reason: 'refund handled by phone', csrf: csrf! }),
    });
    expect(unhashed.status).toBe(400);
    expect(await unhashed.text()).toContain('did not say which version of the draft you reviewed');
    expect((await server.gateway.actions.get(id))?.status).toBe('unresolved');
    const closed = await fetch(`${server.url}/console/drafts/${id}/close`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ reason: 'refund handled by phone', csrf: csrf!, draft_hash: draftHash! }),
    });
    expect(await closed.text()).toMatch(/draft is now failed/);
    expect((await server.gateway.actions.get(id))?.status).toBe('failed');
  });

  it('console: an unverified draft offers "Verify again", which verifies it (nothing is written)', async () => {
    const drafted = await server.gateway.call({
      tool: 'create_refund_draft',
      args: { invoice_id: 'inv_789', amount_usd: 16, reason: 'double charge' },
      principal: requester,
      client: 'support_app',
      surface: 'direct',
    });
    const id = (drafted.ok && (drafted.structured as { draft_id: string }).draft_id) || '';
    await server.gateway.actions.approve(id, approver(), { reason: 'checked', surface: 'api' });
    const row = (await server.store.drafts.get(id))!;
    await server.store.drafts.update(id, row.version, { status: 'unverified' }, new Date().toISOString());
    const posts = api.createRequests.length;
    const cookie = await signIn();
    const page = await (await fetch(`${server.url}/console/drafts/${id}`, { headers: { cookie } })).text();
    expect(page).toMatch(new RegExp(`action="/console/drafts/${id}/reverify"`));
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    const draftHash = /name="draft_hash" value="([^"]+)"/.exec(page)?.[1];
    const done = await fetch(`${server.url}/console/drafts/${id}/reverify`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ reason: 'payments API answers again', csrf: csrf!, draft_hash: draftHash! }),
    });
    expect(await done.text()).toMatch(/draft is now verified/);
    expect(api.createRequests.length).toBe(posts);
  });
});
