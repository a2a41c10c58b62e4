import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline, type Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { pinnedLookup, type ResolvedAddress } from './resolve.js';
import type { EgressTarget } from './target.js';

export interface Hop {
  readonly method: string;
  readonly headers: Headers;
  readonly body: Uint8Array | null;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The most a response body may decode to, and the error its read fails with beyond that. */
export interface BodyCap {
  readonly bytes: number;
  /** Awaited before the read fails (the audit records it first); answers the error to fail with. */
  readonly exceeded: () => Promise<Error>;
}

/**
 * One HTTP exchange with no redirect handling, over node:http so the connection uses the
 * pinned, already-checked addresses (`addresses` null: the host is a checked IP literal).
 * Answers a WHATWG Response like fetch does; network failures reject as fetch's
 * `TypeError('fetch failed')` with the system error (ECONNREFUSED, …) as `cause`.
 */
export function sendHop(
  target: EgressTarget,
  hop: Hop,
  addresses: readonly ResolvedAddress[] | null,
  signal: AbortSignal | undefined,
  cap?: BodyCap,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const headers: Record<string, string> = {};
    hop.headers.forEach((value, name) => (headers[name] = value));
    if (hop.body) headers['content-length'] = String(hop.body.byteLength);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send({
      protocol: target.protocol,
      host: target.host,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: hop.method,
      headers,
      // One connection per request: a pooled socket checked under another tool's allowlist is never reused.
      agent: false,
      ...(addresses ? { lookup: pinnedLookup(addresses) } : {}),
    });
    // Kept until the body is read: the deadline still ends the exchange (the body stream errors).
    const onAbort = () => {
      req.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => signal?.removeEventListener('abort', onAbort);
    req.on('error', (error) => {
      settle();
      reject(new TypeError('fetch failed', { cause: error }));
    });
    req.on('response', (res) => {
      res.once('close', settle);
      try {
        resolve(toResponse(res, hop.method, target.url, cap));
      } catch (error) {
        res.destroy();
        reject(new TypeError('fetch failed', { cause: error }));
      }
    });
    req.end(hop.body ?? undefined);
  });
}

function toResponse(res: IncomingMessage, method: string, url: URL, cap: BodyCap | undefined): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  let body: ReadableStream | null = null;
  if (NULL_BODY.has(status) || method === 'HEAD') res.resume();
  else body = webStreamOf(bodyOf(res, cap));
  const response = new Response(body, { status, statusText: res.statusMessage ?? '', headers });
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/**
 * The body as the handler reads it: decoded like fetch does when the server compressed it, and
 * cut off past the cap. One pipeline, so an error anywhere (the cap, the deadline, a reset)
 * destroys every stage and the socket with it: nothing keeps reading, the connection is released.
 */
function bodyOf(res: IncomingMessage, cap: BodyCap | undefined): Readable {
  const stages: Transform[] = [];
  const decoder = decoderFor(res.headers['content-encoding']);
  if (decoder) stages.push(decoder);
  if (cap) stages.push(capped(cap));
  const [first, ...rest] = stages;
  if (!first) return res;
  // Errors reach the reader through the last stage, which pipeline destroys with the first error.
  pipeline(res, first, ...rest, () => undefined);
  return stages.at(-1)!;
}

/**
 * A pull-based web stream over `readable`. Readable.toWeb (Node 20) went on enqueueing a chunk
 * already under way after the stream was cancelled or failed: an uncaught ERR_INVALID_STATE that
 * ends the process, and the cap makes both routine. Pulling through the async iterator reads one
 * chunk per request; cancelling returns the iterator, which destroys the stream and its socket.
 */
function webStreamOf(readable: Readable): ReadableStream<Uint8Array> {
  const chunks = readable[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await chunks.return?.();
    },
  });
}

function decoderFor(header: string | undefined): Transform | null {
  const encoding = (header ?? '').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  if (encoding === 'br') return createBrotliDecompress();
  return null;
}

/**
 * Counts decoded bytes, so a gzip bomb is measured by what it inflates to, not by what crossed the
 * wire (outside probe, 2026-12-07: a 300 MB body read with res.text() took RSS to 1,087 MB). Past
 * the cap it takes no further chunk, so the socket stops being read while the overrun is recorded,
 * then fails with the cap's error, which tears the pipeline and the connection down.
 */
function capped(cap: BodyCap): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.byteLength;
      if (seen <= cap.bytes) return callback(null, chunk);
      cap.exceeded().then(callback, callback); // either way the stream fails with an error
    },
  });
}
