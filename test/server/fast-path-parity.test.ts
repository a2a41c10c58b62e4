import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';
import { messageOf } from '../helpers/json-rpc-body.js';

/**
 * The fast path must answer what it serves exactly as the SDK path would, and leave the rest to
 * it: the same request goes to a server with the fast path on and one with it off
 * (TOOLGATE_FAST_PATH=off), and both must say the same. Raw node:http requests, so headers can be
 * repeated and bodies malformed as no fetch client would send them.
 */
let fast: Awaited<ReturnType<typeof startTestServer>>;
let sdk: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  const config = { tools: walkthroughTools, credentials: walkthroughCredentials };
  [fast, sdk] = await Promise.all([startTestServer(config), startTestServer(config, { TOOLGATE_FAST_PATH: 'off' })]);
});
afterAll(async () => Promise.all([fast.stop(), sdk.stop()]));

interface Answer {
  readonly status: number;
  readonly wwwAuthenticate: string | undefined;
  readonly body: string;
}

/**
 * A request written byte for byte on a socket: Node's client refuses two Host lines, which is
 * what a proxy or an attacker can still send.
 */
function sendRaw(base: string, body: string, lines: readonly string[], target = '/mcp'): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      const head = [
        `POST ${target} HTTP/1.1`,
        ...lines,
        'content-type: application/json',
        'accept: application/json, text/event-stream',
        'mcp-protocol-version: 2025-11-25',
        `content-length: ${Buffer.byteLength(body)}`,
        'connection: close',
      ];
      socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

/**
 * Whether the server closes the connection once it has answered: true when the socket ends within
 * 2 s of the request (the idle timeout that closed it otherwise is 5 s), with a 200 answer read.
 */
function closedAfterAnswer(base: string, version: '1.0' | '1.1', body: string, lines: readonly string[]) {
  const { hostname, port } = new URL(base);
  return new Promise<boolean>((resolve, reject) => {
    let text = '';
    const socket = connect(Number(port), hostname, () => {
      const head = [
        `POST /mcp HTTP/${version}`,
        ...lines,
        'content-type: application/json',
        'accept: application/json, text/event-stream',
        'mcp-protocol-version: 2025-11-25',
        `content-length: ${Buffer.byteLength(body)}`,
      ];
      socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 2_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(/^HTTP\/1\.[01] 200/.test(text));
    });
    socket.on('error', reject);
  });
}

function send(base: string, body: string, headers: Record<string, string | string[]>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/mcp`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, wwwAuthenticate: res.headers['www-authenticate'], body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
/** A tools/call of the walkthrough's read tool: what must not run when the request is refused. */
const billingCall = (id: number) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'get_customer_billing_summary', arguments: { customer_id: 'cus_123', reason: 'edge test' } },
  });
const both = async (body: string, headers: Record<string, string | string[]>) =>
  Promise.all([send(fast.url, body, headers), send(sdk.url, body, headers)]);

describe('the fast path and the SDK path agree', () => {
  it('refuse a request with two Authorization lines as invalid_request, whichever comes first', async () => {
    // Node keeps only the first line in req.headers; before, the fast path let a good first token in.
    for (const lines of [
      [`Bearer ${AGENT_TOKEN}`, 'Bearer garbage'],
      [`Bearer ${AGENT_TOKEN}`, 'Basic Zm9vOmJhcg=='],
      ['Bearer garbage', `Bearer ${AGENT_TOKEN}`],
    ]) {
      const [viaFast, viaSdk] = await both(ping, { authorization: lines });
      for (const answer of [viaFast, viaSdk]) {
        expect(answer.status).toBe(400);
        expect(answer.wwwAuthenticate).toContain('error="invalid_request"');
      }
    }
    // One line is still served, of course.
    const [viaFast, viaSdk] = await both(ping, { authorization: `Bearer ${AGENT_TOKEN}` });
    expect([viaFast.status, viaSdk.status]).toEqual([200, 200]);
  });

  it('refuse a Host that is not one host[:port] with 400 (RFC 9112 §3.2), and run nothing for it', async () => {
    // Before, the fast path took the text before the first ':' and served all of these but the
    // last (the SDK path refused them); `127.0.0.1:8787` then `evil.example` passed on both.
    const call = billingCall(2);
    const newest = async (server: typeof fast) =>
      (await server.store.audit.query({ newestFirst: true, limit: 1 }))[0]?.seq;
    const events = async () => [await newest(fast), await newest(sdk)];
    const before = await events();
    for (const host of [
      ['127.0.0.1', 'evil.example'],
      ['127.0.0.1:8787', 'evil.example'],
      '127.0.0.1:x@evil.example',
      '[::1]evil.example',
      'localhost:1/evil',
      '127.0.0.1:80:80',
      '127.0.0.1:99999',
      'localhost:',
      '127.0.0.1 evil',
      '[::1',
    ]) {
      const lines = [...[host].flat().map((h) => `host: ${h}`), `authorization: Bearer ${AGENT_TOKEN}`];
      const statuses = await Promise.all([sendRaw(fast.url, call, lines), sendRaw(sdk.url, call, lines)]);
      expect({ host, statuses }).toEqual({ host, statuses: [400, 400] });
    }
    // An absolute-form target names the host that counts (RFC 9112 §3.2.2): served before, on both.
    for (const target of ['http://evil.example/mcp', 'http://127.0.0.1@evil.example/mcp']) {
      const lines = ['host: 127.0.0.1', `authorization: Bearer ${AGENT_TOKEN}`];
      const statuses = await Promise.all([
        sendRaw(fast.url, call, lines, target),
        sendRaw(sdk.url, call, lines, target),
      ]);
      expect({ target, refused: statuses.every((s) => s === 400 || s === 403) }).toEqual({ target, refused: true });
    }
    expect(await events()).toEqual(before);
    const good = ['host: 127.0.0.1', `authorization: Bearer ${AGENT_TOKEN}`];
    expect(await sendRaw(fast.url, ping, good, 'http://127.0.0.1/mcp')).toBe(200);
    // One good line is served, with or without a port.
    for (const host of ['127.0.0.1', 'localhost:8787', '[::1]:1']) {
      const [viaFast, viaSdk] = await both(ping, { host, authorization: `Bearer ${AGENT_TOKEN}` });
      expect({ host, fast: viaFast.status, sdk: viaSdk.status }).toEqual({ host, fast: 200, sdk: 200 });
    }
  });

  it('refuse a body with a content coding (415, RFC 9110 §15.5.16) and run nothing; identity is fine', async () => {
    // Before: both read `Content-Encoding: gzip` as plain JSON, so a plain body labelled gzip ran.
    const call = billingCall(5);
    const auth = { authorization: `Bearer ${AGENT_TOKEN}` };
    for (const coding of ['gzip', 'br', 'GZIP', 'identity, gzip']) {
      const [viaFast, viaSdk] = await both(call, { ...auth, 'content-encoding': coding });
      for (const answer of [viaFast, viaSdk]) {
        expect({ coding, status: answer.status }).toEqual({ coding, status: 415 });
        expect(answer.body).toContain(`Content-Encoding ${coding} is not accepted`);
      }
    }
    const [viaFast, viaSdk] = await both(ping, { ...auth, 'content-encoding': 'identity' });
    expect([viaFast.status, viaSdk.status]).toEqual([200, 200]);
  });

  it('close the connection after the answer when asked (Connection: close, HTTP/1.0), SDK answers too', async () => {
    // RFC 9112 §9.6. The SDK's streamed answers set `Connection: keep-alive` themselves, so the
    // socket stayed open until the idle timeout (5 s); an HTTP/1.0 client waited that long for its body.
    const list = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    const unknown = JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'resources/list' }); // the SDK answers it
    for (const [version, extra] of [
      ['1.1', ['connection: close']],
      ['1.0', []],
    ] as const)
      for (const server of [fast, sdk])
        for (const body of [list, unknown]) {
          const closed = await closedAfterAnswer(server.url, version, body, [
            'host: 127.0.0.1',
            `authorization: Bearer ${AGENT_TOKEN}`,
            ...extra,
          ]);
          expect({ version, server: server === fast ? 'fast' : 'sdk', body, closed }).toMatchObject({ closed: true });
        }
  });

  it('answer malformed 2025-era messages alike, and run no tool for them', async () => {
    const call = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'get_customer_summary', arguments: { customer_id: 'cus_123' } },
    };
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
    };
    const bodies: Record<string, unknown> = {
      'an extra member': { ...call, foo: 1 },
      'a result beside the method': { ...call, result: {} },
      '_meta that is not an object': { ...call, params: { ...call.params, _meta: 5 } },
      'a progress token that is an object': { ...call, params: { ...call.params, _meta: { progressToken: {} } } },
      'null arguments': { ...call, params: { ...call.params, arguments: null } },
      'an id past 2^53': { ...call, id: 2 ** 53 + 2 },
      'a notification with params 5': { jsonrpc: '2.0', method: 'notifications/initialized', params: 5 },
      'a notification with an extra member': { jsonrpc: '2.0', method: 'notifications/initialized', foo: 1 },
      'a cursor that is a number': { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 5 } },
      'a capability that is a number': { ...init, params: { ...init.params, capabilities: { roots: 5 } } },
      'a client title that is a number': {
        ...init,
        params: { ...init.params, clientInfo: { name: 'c', version: '1', title: 5 } },
      },
      // Found by differential fuzzing (2026-12-06): these got a result from the fast path.
      'a task that is a number': { ...call, params: { ...call.params, task: 5 } },
      'a task with a string ttl': { ...call, params: { ...call.params, task: { ttl: 'x' } } },
      'an icon that is a number': {
        ...init,
        params: { ...init.params, clientInfo: { name: 'c', version: '1', icons: [5] } },
      },
      'a roots capability with a string listChanged': {
        ...init,
        params: { ...init.params, capabilities: { roots: { listChanged: 'yes' } } },
      },
    };
    const auth = { authorization: `Bearer ${AGENT_TOKEN}` };
    const before = (await fast.store.audit.query({ kind: 'tool_call', limit: 1_000 })).length;
    for (const [what, body] of Object.entries(bodies)) {
      const [viaFast, viaSdk] = await both(JSON.stringify(body), auth);
      expect({ what, status: viaFast.status, error: errorOf(viaFast) }).toEqual({
        what,
        status: viaSdk.status,
        error: errorOf(viaSdk),
      });
      expect({ what, status: viaFast.status, error: errorOf(viaFast) }).not.toMatchObject({ status: 200, error: null });
    }
    // Well-formed, for contrast: served, and the same.
    const [okFast, okSdk] = await both(JSON.stringify(call), auth);
    expect([okFast.status, okSdk.status, errorOf(okFast), errorOf(okSdk)]).toEqual([200, 200, null, null]);
    // Before, the fast path ran the tool (and audited it) for the tools/call bodies above.
    expect((await fast.store.audit.query({ kind: 'tool_call', limit: 1_000 })).length).toBe(before + 1);
  });

  it('take only application/json as the body type, as the SDK compares it', async () => {
    for (const contentType of ['application/jsonx', 'application/json-seq', 'text/plain; x=application/json']) {
      const headers = { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': contentType };
      const [viaFast, viaSdk] = await both(ping, headers);
      expect([contentType, viaFast.status]).toEqual([contentType, viaSdk.status]);
      expect(viaFast.status).toBe(415);
    }
    const [viaFast] = await both(ping, {
      authorization: `Bearer ${AGENT_TOKEN}`,
      'content-type': 'application/json; charset=utf-8',
    });
    expect(viaFast.status).toBe(200);
  });

  it('refuse two Content-Type lines as the SDK does (415), whichever comes first', async () => {
    // Node keeps only the first line in req.headers; before, the fast path served a JSON first one.
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'get_customer_summary', arguments: { customer_id: 'cus_123' } },
    });
    const before = (await fast.store.audit.query({ kind: 'tool_call', limit: 1_000 })).length;
    for (const lines of [
      ['application/json', 'text/plain'],
      ['application/json', 'application/json'],
      ['text/plain', 'application/json'],
    ]) {
      const [viaFast, viaSdk] = await both(call, { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': lines });
      expect([lines, viaFast.status, viaSdk.status]).toEqual([lines, 415, 415]);
    }
    expect((await fast.store.audit.query({ kind: 'tool_call', limit: 1_000 })).length).toBe(before);
  });
});

describe('the fast path and the SDK path agree on a blocked address', () => {
  it('a batch from an address the auth throttle blocked gets 429 from both (the fast path said 400)', async () => {
    // A pair of its own: the block lasts a while and would answer the tests above.
    const config = { tools: walkthroughTools, credentials: walkthroughCredentials };
    const [blockedFast, blockedSdk] = await Promise.all([
      startTestServer(config),
      startTestServer(config, { TOOLGATE_FAST_PATH: 'off' }),
    ]);
    try {
      const batch = JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
      const version = { 'mcp-protocol-version': '2025-06-18' };
      for (const server of [blockedFast, blockedSdk]) {
        for (let i = 0; i < 11; i++) await send(server.url, ping, { authorization: `Bearer wrong-${i}` });
      }
      const [viaFast, viaSdk] = await Promise.all([
        send(blockedFast.url, batch, { ...version, authorization: 'Bearer wrong-again' }),
        send(blockedSdk.url, batch, { ...version, authorization: 'Bearer wrong-again' }),
      ]);
      expect([viaFast.status, viaSdk.status]).toEqual([429, 429]);
    } finally {
      await Promise.all([blockedFast.stop(), blockedSdk.stop()]);
    }
  });
});

/** The JSON-RPC error code of an answer (JSON or SSE), or null when it is a result or empty. */
function errorOf(answer: Answer): number | null {
  return (messageOf(answer.body) as { error?: { code: number } } | null)?.error?.code ?? null;
}
