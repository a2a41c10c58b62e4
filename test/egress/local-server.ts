import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface LocalServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request it received, in order. */
  readonly seen: {
    method: string;
    path: string;
    host: string;
    authorization: string | null;
    apiKey: string | null;
    body: string;
  }[];
  /** Paths (with query) whose response the client closed before the server finished sending it. */
  readonly cutOff: string[];
  close(): Promise<void>;
}

/**
 * A real node:http server on 127.0.0.1 for the egress tests:
 *   /ok                      200 {"ok":true}
 *   /redirect?to=URL&code=N  N (default 302) with Location URL
 *   /chain/N                 redirects to /chain/N-1 until /chain/0 answers 200
 *   /echo                    200 with what it received (method, host, authorization, x-api-key, body)
 *   /slow                    never answers
 *   /half                    answers headers and half a body, then hangs
 *   /big?bytes=N&as=A        N bytes, sent as A: `length` (with Content-Length), `chunked` (none),
 *                            `gzip` (N zero bytes gzipped, with the compressed Content-Length)
 */
export async function startLocalServer(): Promise<LocalServer> {
  const seen: LocalServer['seen'] = [];
  const cutOff: string[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://local');
      const record = {
        method: req.method ?? '',
        path: url.pathname,
        host: req.headers.host ?? '',
        authorization: req.headers.authorization ?? null,
        apiKey: (req.headers['x-api-key'] as string | undefined) ?? null,
        body,
      };
      seen.push(record);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (url.pathname === '/ok') return json(200, { ok: true });
      if (url.pathname === '/echo') return json(200, record);
      if (url.pathname === '/redirect') {
        res.writeHead(Number(url.searchParams.get('code') ?? 302), { location: url.searchParams.get('to') ?? '/' });
        return res.end();
      }
      const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
      if (chain) {
        const left = Number(chain[1]);
        if (left === 0) return json(200, { done: true });
        res.writeHead(302, { location: `/chain/${left - 1}` });
        return res.end();
      }
      if (url.pathname === '/slow') return; // hangs until the client gives up
      if (url.pathname === '/half') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.write('{"partial":'); // headers and half a body, then nothing
      }
      if (url.pathname === '/big') {
        res.once('close', () => res.writableFinished || cutOff.push(`${url.pathname}${url.search}`));
        return sendBig(res, Number(url.searchParams.get('bytes')), url.searchParams.get('as') ?? 'length');
      }
      json(404, { error: 'no route' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    cutOff,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends `bytes` bytes in 64 KiB writes, waiting for drain: a reader that stops stops the sender. */
function sendBig(res: ServerResponse, bytes: number, as: string): void {
  if (as === 'gzip') {
    const packed = gzipSync(Buffer.alloc(bytes));
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(packed.byteLength) });
    return void res.end(packed);
  }
  res.writeHead(200, as === 'chunked' ? { 'content-type': 'text/plain' } : { 'content-length': String(bytes) });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const write = (): void => {
    while (sent < bytes && !res.destroyed) {
      const size = Math.min(chunk.byteLength, bytes - sent);
      sent += size;
      if (!res.write(chunk.subarray(0, size))) return void res.once('drain', write);
    }
    if (!res.destroyed) res.end();
  };
  write();
}
