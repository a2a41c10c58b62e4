import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';
import { messageOf } from '../helpers/json-rpc-body.js';

/**
 * Hostile or broken wire input on /mcp gets a clear protocol or tool error, the server stays up,
 * and tool-level attempts are audited.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({
    tools: walkthroughTools,
    credentials: walkthroughCredentials,
    server: { maxBodyBytes: 64 * 1024 },
  });
});
afterAll(async () => server.stop());

const headers = {
  authorization: `Bearer ${AGENT_TOKEN}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const post = (body: string, extra: Record<string, string> = {}) =>
  fetch(`${server.url}/mcp`, { method: 'POST', headers: { ...headers, ...extra }, body });
const rpc = (method: string, params: unknown, id: number | string = 1) =>
  post(JSON.stringify({ jsonrpc: '2.0', id, method, params }));

async function jsonOf(
  res: Response,
): Promise<{ error?: { code: number; message: string }; result?: { isError?: boolean; content: { text: string }[] } }> {
  return (messageOf(await res.text()) ?? {}) as Awaited<ReturnType<typeof jsonOf>>;
}

describe('bad wire input on /mcp', () => {
  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const res = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).error?.code).toBe(-32700);
  });

  it('answers a body that is not JSON-RPC with invalid request', async () => {
    const res = await post(JSON.stringify({ hello: 'world' }));
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).error?.code).toBe(-32600);
  });

  it('answers an oversized body with 413 before parsing it', async () => {
    const res = await rpc('tools/call', {
      name: 'search_support_ticket',
      arguments: { customer_id: 'cus_123', pad: 'x'.repeat(200_000) },
    });
    expect(res.status).toBe(413);
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await post('customer_id=cus_123', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('turns an unknown tool and wrong argument types into audited tool errors', async () => {
    const unknown = await jsonOf(await rpc('tools/call', { name: 'drop_all_tables', arguments: {} }, 'u1'));
    expect(unknown.result?.isError).toBe(true);
    expect(JSON.parse(unknown.result!.content[0]!.text)).toMatchObject({ error: { code: 'not_found' } });

    const wrongType = await jsonOf(
      await rpc(
        'tools/call',
        { name: 'search_support_ticket', arguments: { customer_id: ['cus_123'], limit: 'ten' } },
        'w1',
      ),
    );
    expect(JSON.parse(wrongType.result!.content[0]!.text)).toMatchObject({
      error: { code: 'invalid_input', field: 'customer_id' },
    });

    const events = await server.store.audit.query({ newestFirst: true, limit: 2 });
    expect(events.map((e) => [e.callId, e.errorCode])).toEqual([
      ['w1', 'invalid_input'],
      ['u1', 'not_found'],
    ]);
  });

  it('keeps the audit chain verifiable when a tool name is not valid UTF-16', async () => {
    // `\ud800` is a lone surrogate: it has no UTF-8 form, and a hash over it never verified.
    const body =
      '{"jsonrpc":"2.0","id":"s1","method":"tools/call","params":{"name":"x\\ud800\\u0000y","arguments":{}}}';
    const answer = await jsonOf(await post(body));
    expect(JSON.parse(answer.result!.content[0]!.text)).toMatchObject({ error: { code: 'not_found' } });
    const [event] = await server.store.audit.query({ newestFirst: true, limit: 1 });
    expect(event).toMatchObject({ callId: 's1', tool: 'x\uFFFD\uFFFDy' });
    expect(await server.store.audit.verify()).toMatchObject({ ok: true });
  });

  it('stays up afterwards', async () => {
    const res = await rpc('tools/list', {});
    expect(res.status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
