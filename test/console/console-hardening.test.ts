import { signInWithToken } from '../helpers/console-sign-in.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startTestServer } from '../helpers/http-server.js';
import { approver, refundAction, refundCredentials, requester } from '../helpers/refund-action.js';
import { sha256 } from '../../src/util/sha256.js';
import { event } from '../store/suite.js';

// What an outside probe of the console found (2026-12-07), each case as the browser or an
// attacker would send it.
const MODEL_TOKEN = 'model-client-token-0123456789';
const APPROVER_TOKEN = 'approver-token-0123456789abcd';
const tokens = [
  { token: MODEL_TOKEN, principal: requester, client: 'support_app' },
  { token: APPROVER_TOKEN, principal: approver(), client: 'console', canApprove: true },
];
let api: FakeRefundApi;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  api = await startFakeRefundApi();
  server = await startTestServer({
    tools: [refundAction(api.url)],
    credentials: refundCredentials,
    server: { tokens },
  });
});
afterAll(async () => {
  await server.stop();
  await api.close();
});

/** Signs in with the approver token; returns the session's Set-Cookie line whole. */
const signIn = (url: string) => signInWithToken(url, APPROVER_TOKEN);

async function draft(reason: string): Promise<string> {
  const drafted = await server.gateway.call({
    tool: 'create_refund_draft',
    args: { invoice_id: 'inv_789', amount_usd: 12, reason },
    principal: requester,
    client: 'support_app',
    surface: 'direct',
  });
  if (!drafted.ok) throw new Error(drafted.text);
  return (drafted.structured as { draft_id: string }).draft_id;
}

const multipart = (body: string, cookie?: string) => ({
  method: 'POST',
  headers: { 'content-type': 'multipart/form-data; boundary=xx', ...(cookie ? { cookie } : {}) },
  body,
});

describe('the console under hostile input', () => {
  it('a malformed form body is 400, signed in or not (it was 500 and a stack in the log per request)', async () => {
    expect((await fetch(`${server.url}/console/login`, multipart('--xx\r\nbroken'))).status).toBe(400);
    const cookie = (await signIn(server.url)).split(';')[0]!;
    const id = await draft('double charge');
    const res = await fetch(`${server.url}/console/drafts/${id}/approve`, multipart('--xx\r\nbroken', cookie));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('The form could not be read');
    expect((await server.gateway.actions.get(id))?.status).toBe('awaiting_approval');
  });

  it('the input an approver reviews shows joiners and fillers as escapes, not as nothing', async () => {
    // acct_1234 to the eye, with a zero-width joiner, a combining grapheme joiner and a Hangul filler in it.
    const id = await draft('acct_\u200d12\u034f34\u3164');
    const cookie = (await signIn(server.url)).split(';')[0]!;
    const page = await (await fetch(`${server.url}/console/drafts/${id}`, { headers: { cookie } })).text();
    for (const hidden of ['\u200d', '\u034f', '\u3164']) expect(page).not.toContain(hidden);
    expect(page).toContain('acct_\\u200d12\\u034f34\\u3164');
  });

  it('an audit event with no tenant is not shown to a tenant approver by id, as the list does not', async () => {
    const edge = await server.gateway.runtime.store.audit.append(
      event({ id: 'aud_edge_refusal', kind: 'auth.denied', actor: 'address:127.0.0.1', tenant: null }),
    );
    const cookie = (await signIn(server.url)).split(';')[0]!;
    const res = await fetch(`${server.url}/console/audit/${edge.id}`, { headers: { cookie } });
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('address:127.0.0.1');
  });

  it('a reason of hidden characters only is no reason (REST)', async () => {
    const id = await draft('double charge');
    const res = await fetch(`${server.url}/api/drafts/${id}/reject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APPROVER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: '\u200b\u200b\u200b' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'invalid_input',
      message: expect.stringMatching(/^reason: say why/),
    });
    expect((await server.gateway.actions.get(id))?.status).toBe('awaiting_approval');
  });

  it('/api answers are never stored by a cache, refusals included', async () => {
    const listed = await fetch(`${server.url}/api/drafts`, { headers: { authorization: `Bearer ${APPROVER_TOKEN}` } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    const refused = await fetch(`${server.url}/api/drafts`, { headers: { authorization: 'Bearer nope-nope-nope' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the session cookie under https', () => {
  it('is __Host- (Secure, Path=/), so a sibling subdomain cannot plant a session; the plain name is not read', async () => {
    const tls = await startTestServer(
      { tools: [refundAction(api.url)], credentials: refundCredentials, server: { tokens } },
      { TOOLGATE_PUBLIC_URL: 'https://toolgate.example.test' },
    );
    try {
      const line = await signIn(tls.url);
      expect(line).toMatch(/^__Host-tg_console=[^;]+; .*Path=\//);
      expect(line).toMatch(/; Secure/);
      expect(line).toMatch(/; HttpOnly/);
      const session = line.split(';')[0]!;
      expect((await fetch(`${tls.url}/console`, { headers: { cookie: session }, redirect: 'manual' })).status).toBe(
        200,
      );
      // A session ended in the store (another tab signed out, an operator ended it) takes its
      // cookie with it at the next request, not at its Max-Age.
      const second = (await signIn(tls.url)).split(';')[0]!;
      const idHash = sha256(second.split('=')[1]!);
      expect(await tls.gateway.runtime.store.sessions.delete(idHash)).toBe(true);
      const ended = await fetch(`${tls.url}/console`, { headers: { cookie: second }, redirect: 'manual' });
      expect(ended.status).toBe(302);
      expect(ended.headers.getSetCookie()).toContainEqual(
        expect.stringMatching(/^__Host-tg_console=; Max-Age=0; Path=\/; Secure/),
      );
      // The same session id under the name a subdomain could set is not a session here.
      const tossed = `tg_console=${session.split('=')[1]}`;
      expect((await fetch(`${tls.url}/console`, { headers: { cookie: tossed }, redirect: 'manual' })).status).toBe(302);
    } finally {
      await tls.stop();
    }
  });
});
