import type { IncomingMessage } from 'node:http';

export type BodyRead =
  { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly reason: 'too_large' };

/**
 * Reads a request body into one buffer, refusing (issue #13, item 2) as soon as the declared or
 * received size passes `maxBytes`: a 300 MB post costs at most `maxBytes` of memory, never more.
 * After a refusal the rest of the body is drained and dropped so the connection can answer.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(refuse(req));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        resolve(refuse(req));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function refuse(req: IncomingMessage): BodyRead {
  req.resume(); // discard the rest without buffering it
  return { ok: false, reason: 'too_large' };
}
