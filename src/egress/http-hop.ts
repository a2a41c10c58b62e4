import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { pinnedLookup, type ResolvedAddress } from './resolve.js';
import type { EgressTarget } from './target.js';

export interface Hop {
  readonly method: string;
  readonly headers: Headers;
  readonly body: Uint8Array | null;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

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
        resolve(toResponse(res, hop.method, target.url));
      } catch (error) {
        res.destroy();
        reject(new TypeError('fetch failed', { cause: error }));
      }
    });
    req.end(hop.body ?? undefined);
  });
}

function toResponse(res: IncomingMessage, method: string, url: URL): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  let body: ReadableStream | null = null;
  if (NULL_BODY.has(status) || method === 'HEAD') res.resume();
  else body = Readable.toWeb(decoded(res)) as ReadableStream;
  const response = new Response(body, { status, statusText: res.statusMessage ?? '', headers });
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}

/** Like fetch, hand the caller the decoded body when the server compressed it. */
function decoded(res: IncomingMessage): Readable {
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : null;
  if (!decoder) return res;
  res.on('error', (error) => decoder.destroy(error));
  return res.pipe(decoder);
}
