import { signInWithToken } from '../helpers/console-sign-in.js';
import { floodDraft } from '../helpers/flood-drafts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startTestServer } from '../helpers/http-server.js';
import { approver, draftRefund, refundAction, refundCredentials, requester } from '../helpers/refund-action.js';

// Outside probe, 2026-12-07 (MEDIUM): the approvals inbox listed the newest 200 waiting drafts and
// nothing more, so one token's 1,000 drafts (4.7 s of calls) hid another user's earlier draft from
// every approver. The inbox now shows the longest-waiting first and pages on, in both orders.
const APPROVER_TOKEN = 'approver-token-0123456789abcd';
let api: FakeRefundApi;
let server: Awaited<ReturnType<typeof startTestServer>>;
let cookie: string;
let victim: string;
let flooded: string[];
let stale: string;

beforeAll(async () => {
  api = await startFakeRefundApi();
  server = await startTestServer({
    tools: [refundAction(api.url)],
    credentials: refundCredentials,
    server: {
      tokens: [
        { token: 'model-client-token-0123456789', principal: requester, client: 'support_app' },
        { token: APPROVER_TOKEN, principal: approver(), client: 'console', canApprove: true },
      ],
    },
  });
  // A draft past its expiry still says awaiting_approval until someone acts on it: not in the inbox.
  stale = 'drf_0000000000STALE';
  await server.store.drafts.create(floodDraft(stale, Date.now() - 2 * 86_400_000, Date.now() - 86_400_000));
  victim = await draftRefund(server.gateway);
  const start = Date.now() + 1_000;
  flooded = [];
  for (let i = 0; i < 250; i++) {
    const id = `drf_flood_${String(i).padStart(4, '0')}`;
    await server.store.drafts.create(floodDraft(id, start + i, start + 86_400_000));
    flooded.push(id);
  }
  cookie = (await signInWithToken(server.url, APPROVER_TOKEN)).split(';')[0]!;
});
afterAll(async () => {
  await server.stop();
  await api.close();
});

const inboxPage = async (path: string) => {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  const text = await res.text();
  return {
    status: res.status,
    location: res.headers.get('location'),
    ids: [...text.matchAll(/<a href="\/console\/drafts\/(drf_\w+)">/g)].map((m) => m[1]!),
    next: /<a rel="next" href="([^"]+)">([^<]+)<\/a>/
      .exec(text)
      ?.slice(1, 3)
      .map((s) => s.replace(/&amp;/g, '&')),
    text,
  };
};

/** Every page from `path` on, following the "next" link. */
async function walk(path: string) {
  const pages = [];
  let at: string | undefined = path;
  while (at) {
    const page = await inboxPage(at);
    expect(page.status).toBe(200);
    pages.push(page);
    at = page.next?.[0];
  }
  return pages;
}

describe('the approvals inbox under a flood of drafts', () => {
  it('shows the longest-waiting draft first, 100 to a page, and "Newer drafts" reaches every one', async () => {
    const pages = await walk('/console');
    expect(pages[0]!.ids[0]).toBe(victim);
    expect(pages[0]!.text).toContain('Waiting longest first.');
    expect(pages[0]!.next?.[1]).toBe('Newer drafts →');
    expect(pages.map((p) => p.ids.length)).toEqual([100, 100, 51]);
    expect(pages.flatMap((p) => p.ids)).toEqual([victim, ...flooded]);
    expect(pages.flatMap((p) => p.ids)).not.toContain(stale);
    expect(pages[1]!.text).toContain('Back to the first page');
  });

  it('newest first on ask, with "Older drafts" down to the earliest', async () => {
    const pages = await walk('/console?order=newest');
    expect(pages[0]!.ids[0]).toBe(flooded.at(-1));
    expect(pages[0]!.next?.[1]).toBe('Older drafts →');
    expect(pages.flatMap((p) => p.ids)).toEqual([...flooded].reverse().concat(victim));
  });

  it('a cursor it cannot read starts over at the first page', async () => {
    const page = await inboxPage('/console?cursor=garbage!');
    expect(page.status).toBe(302);
    expect(page.location).toBe('/console');
  });
});
