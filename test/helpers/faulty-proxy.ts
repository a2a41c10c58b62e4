import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of an upstream that misbehaves on purpose, one request at a time, for the
 * ambiguous-write cases: `hang` swallows the request and never answers (the client times out,
 * nothing reached the upstream); `reset` reads the request, then drops the connection without
 * forwarding it; `pass` forwards it untouched. Faults apply to POSTs only, so `verify` (a GET)
 * still sees the upstream's true state.
 */
export type Fault = 'pass' | 'hang' | 'reset';

export interface FaultyProxy {
  readonly url: string;
  /** Faults for the next POSTs, in order; afterwards everything passes. */
  readonly nextPosts: Fault[];
  close(): Promise<void>;
}

export async function startFaultyProxy(upstream: string): Promise<FaultyProxy> {
  const target = new URL(upstream);
  const nextPosts: Fault[] = [];
  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    const fault = req.method === 'POST' ? (nextPosts.shift() ?? 'pass') : 'pass';
    if (fault === 'hang') return; // never answer; the socket is closed at shutdown
    if (fault === 'reset') return req.socket.destroy();
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    forward.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    nextPosts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
