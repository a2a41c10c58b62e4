import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { peerOf } from '../../src/server/edge/socket-limits.js';
import { postToolCall, startTestServer } from '../helpers/http-server.js';

const slowNote = defineTool({
  name: 'get_slow_note',
  description: 'Answer after 900 ms: longer than the silence deadline of this test server.',
  input: z.object({}),
  output: z.object({ waited_ms: z.number() }),
  scopes: ['billing:read'],
  tenant: 'caller',
  handler: () => new Promise<{ waited_ms: number }>((resolve) => setTimeout(() => resolve({ waited_ms: 900 }), 900)),
});

/**
 * A client that opens connections and says nothing. Before, such a connection stayed open
 * indefinitely and there was no cap, so one client held every file descriptor (found by an
 * outside probe: 20,000 silent sockets, then /healthz and every call failed).
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({
    tools: [...walkthroughTools, slowNote],
    credentials: walkthroughCredentials,
    toolsets: { claude_code: ['get_slow_note'] },
    server: { firstRequestMs: 300, maxConnections: 4 },
  });
});
afterAll(async () => server.stop());

const open = () =>
  new Promise<Socket>((resolve, reject) => {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
const closed = (socket: Socket, withinMs: number) =>
  new Promise<boolean>((resolve) => {
    if (socket.destroyed || socket.readyState === 'closed') return resolve(true);
    const timer = setTimeout(() => resolve(false), withinMs);
    socket.once('close', () => (clearTimeout(timer), resolve(true)));
  });

describe('silent connections', () => {
  it('a connection that sends nothing is closed after firstRequestMs', async () => {
    const silent = await open();
    expect(await closed(silent, 5_000)).toBe(true);
  });

  it('connections past maxConnections are refused, and a real request still gets through after', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, open));
    const extra = await open(); // accepted by the kernel, then dropped by the server at once
    expect(await closed(extra, 1_000)).toBe(true);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('a call that runs longer than firstRequestMs is not cut: only silence before a request counts', async () => {
    const answer = await postToolCall(server.url, 'get_slow_note');
    expect(await answer.json()).toMatchObject({ result: { structuredContent: { waited_ms: 900 } } });
  });
});

describe('one client holding connections, or sending a body too large', () => {
  // One client without a token opened 4,095 connections and held them; every new call failed.
  // And after a 413 the server kept reading and dropping an endless body: ~500 MB in 40 s
  // (outside probe, 2026-12-07).
  let capped: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    capped = await startTestServer({
      tools: walkthroughTools,
      credentials: walkthroughCredentials,
      server: { maxConnectionsPerAddress: 2, maxBodyBytes: 1_000 },
    });
  });
  afterAll(async () => capped.stop());
  const port = () => Number(new URL(capped.url).port);
  const openTo = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(port(), '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
    });

  it('refuses an address its connections past maxConnectionsPerAddress, and serves it again once they close', async () => {
    const held = [await openTo(), await openTo()];
    const third = await openTo();
    expect(await closed(third, 1_000)).toBe(true);
    expect(await closed(held[0]!, 300)).toBe(false);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${capped.url}/healthz`)).status).toBe(200);
  });

  it.each(['/mcp', '/api/drafts/drf_x/approve'])(
    'answers a body over the limit on %s with 413 and closes the connection, reading no more of it',
    async (path) => {
      const socket = await openTo();
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nContent-Type: application/json\r\n` +
          `Accept: application/json, text/event-stream\r\nContent-Length: 100000000\r\n\r\n{"a":"`,
      );
      const trickle = setInterval(() => socket.writable && socket.write('x'.repeat(2_000)), 20);
      try {
        expect(await closed(socket, 3_000)).toBe(true);
      } finally {
        clearInterval(trickle);
      }
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.toLowerCase()).toContain('connection: close');
    },
  );
});

describe('whose connection it is, for the per-address cap', () => {
  it('an IPv4 peer by its address, also when written IPv4-mapped; an IPv6 peer by its /64', () => {
    expect(peerOf('203.0.113.7')).toBe('203.0.113.7');
    expect(peerOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(peerOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(peerOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(peerOf('2001:db8:1:3::1')).not.toBe(peerOf('2001:db8:1:2::1'));
    expect(peerOf('')).toBe('');
  });

  it('is not capped by default behind a proxy, where every connection is the proxy’s', async () => {
    const proxied = await startTestServer(
      { tools: walkthroughTools, credentials: walkthroughCredentials },
      { TOOLGATE_TRUST_PROXY: 'true' },
    );
    const sockets = await Promise.all(
      Array.from(
        { length: 300 },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect(Number(new URL(proxied.url).port), '127.0.0.1', () => resolve(socket));
            socket.on('error', reject);
          }),
      ),
    );
    const shut = await Promise.all(sockets.map((socket) => closed(socket, 300)));
    expect(shut.filter(Boolean)).toHaveLength(0);
    for (const socket of sockets) socket.destroy();
    await proxied.stop();
  });
});
