import { floodDraft } from '../helpers/flood-drafts.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageOf } from '../helpers/json-rpc-body.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { postToolCall, startTestServer } from '../helpers/http-server.js';
import { approver, refundAction, refundCredentials, requester } from '../helpers/refund-action.js';

// Outside probe, 2026-12-07 (MEDIUM): one token created 1,000 drafts of ~30 KB in 4.7 s; then
// `GET /api/drafts` answered 12 MB and another user's earlier draft was no longer in it (with or
// without ?status=awaiting_approval), the list being the newest 200 with no paging. End to end
// through a real server: the cap refuses the flood at the source, and the lists page.
const FLOODER_TOKEN = 'model-client-token-flooder-0123456789';
const OTHER_TOKEN = 'model-client-token-other-0123456789';
const APPROVER_TOKEN = 'approver-token-0123456789abcd';
const other = { ...requester, actorId: 'usr_other' };
let api: FakeRefundApi;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  api = await startFakeRefundApi();
  server = await startTestServer({
    tools: [refundAction(api.url, { maxWaitingPerCaller: 3 })],
    credentials: refundCredentials,
    server: {
      tokens: [
        { token: FLOODER_TOKEN, principal: requester, client: 'support_app' },
        { token: OTHER_TOKEN, principal: other, client: 'support_app' },
        { token: APPROVER_TOKEN, principal: approver(), client: 'console', canApprove: true },
      ],
    },
  });
});
afterAll(async () => {
  await server.stop();
  await api.close();
});

const refundVia = async (token: string, invoice: string) => {
  const res = await postToolCall(
    server.url,
    'create_refund_draft',
    { invoice_id: invoice, amount_usd: 30, reason: 'double charge' },
    token,
  );
  return messageOf(await res.text()) as {
    result: { isError?: boolean; structuredContent?: Record<string, unknown>; content: { text: string }[] };
  };
};
const list = async (query = '') => {
  const res = await fetch(`${server.url}/api/drafts${query}`, {
    headers: { authorization: `Bearer ${APPROVER_TOKEN}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const idsOf = (body: Record<string, unknown>) => (body.drafts as { id: string }[]).map((d) => d.id);

/** Drafts stored as a flood that got past no cap (or came from many callers), each newer than the last. */
async function flood(count: number, prefix: string): Promise<string[]> {
  const start = Date.now() + 1_000;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `drf_${prefix}_${String(i).padStart(4, '0')}`;
    const draft = floodDraft(id, start + i, start + 86_400_000);
    await server.store.drafts.create(draft);
    ids.push(id);
  }
  return ids;
}

describe('drafts awaiting approval, end to end', () => {
  it('over /mcp, a caller at its cap is refused with conflict and told what to do; others still draft', async () => {
    const earlier = await refundVia(OTHER_TOKEN, 'inv_other');
    expect(earlier.result.isError).toBeFalsy();
    for (let i = 0; i < 3; i++) expect((await refundVia(FLOODER_TOKEN, `inv_${i}`)).result.isError).toBeFalsy();
    const refused = await refundVia(FLOODER_TOKEN, 'inv_4');
    expect(refused.result.isError).toBe(true);
    expect(refused.result.structuredContent ?? JSON.parse(refused.result.content[0]!.text)).toMatchObject({
      error: {
        code: 'conflict',
        retryable: false,
        message: expect.stringMatching(/already has 3 drafts awaiting approval.*approve or reject the waiting drafts/),
      },
    });
    const [denied] = await server.store.audit.query({ kind: 'tool_call', actor: 'usr_agent', outcome: 'denied' });
    expect(denied).toMatchObject({ errorCode: 'conflict', decision: 'deny', surface: 'mcp_http' });
    expect((await refundVia(OTHER_TOKEN, 'inv_other_2')).result.isError).toBeFalsy();
    const waiting = await list('?status=awaiting_approval');
    expect(waiting.status).toBe(200);
    expect(idsOf(waiting.body)).toHaveLength(5);
    expect(waiting.body.next_cursor).toBeNull();
  });

  it('GET /api/drafts pages with next_cursor: a draft behind 250 newer ones is reachable, and first when oldest first', async () => {
    const [first] = idsOf((await list('?status=awaiting_approval&order=oldest&limit=1')).body);
    const flooded = await flood(250, 'page');
    // As before: newest first, 200 to a page; the earlier drafts are no longer on it…
    const page1 = await list('?status=awaiting_approval');
    expect(idsOf(page1.body)).toHaveLength(200);
    expect(idsOf(page1.body)[0]).toBe(flooded.at(-1));
    expect(idsOf(page1.body)).not.toContain(first);
    // …but the next page goes on from there, to the end.
    expect(typeof page1.body.next_cursor).toBe('string');
    const page2 = await list(`?status=awaiting_approval&cursor=${page1.body.next_cursor as string}`);
    expect(idsOf(page2.body)).toContain(first);
    expect(page2.body.next_cursor).toBeNull();
    const seen = [...idsOf(page1.body), ...idsOf(page2.body)];
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(255);
    // Oldest first: the longest-waiting draft leads, whatever came after it.
    const oldest = await list('?status=awaiting_approval&order=oldest&limit=10');
    expect(idsOf(oldest.body)[0]).toBe(first);
    // Smaller pages walk the same drafts in the same order.
    const walked: string[] = [];
    let cursor: unknown = null;
    do {
      const page = await list(`?status=awaiting_approval&limit=50${cursor ? `&cursor=${cursor as string}` : ''}`);
      walked.push(...idsOf(page.body));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(walked).toEqual(seen);
  });

  it('refuses a page query it cannot read with 400 invalid_input, naming the field', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?limit=ten', 'limit'],
      ['?order=sideways', 'order'],
      ['?cursor=not*a*cursor', 'cursor'],
      [`?cursor=${Buffer.from('["newest","x"]').toString('base64url')}`, 'cursor'],
    ] as const) {
      const res = await list(query);
      expect(res, query).toMatchObject({ status: 400, body: { error: 'invalid_input', field } });
    }
    const { body } = await list('?limit=1');
    const contradicted = await list(`?order=oldest&cursor=${body.next_cursor as string}`);
    expect(contradicted).toMatchObject({ status: 400, body: { field: 'order' } });
  });
});
