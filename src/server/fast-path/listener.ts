import { getRequestListener } from '@hono/node-server';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Hono } from 'hono';
import { createMcpFastPath, type FastPathOptions } from './mcp-fast-path.js';

/**
 * The node:http listener `toolgate serve` runs: the fast path first (POST /mcp), the Hono app for
 * every other route and for whatever the fast path hands over. A request whose body the fast path
 * already read is passed on as `rawBody`, which @hono/node-server uses instead of the stream.
 * `TOOLGATE_FAST_PATH=off` (or `fastPath: false`) serves everything through Hono and the SDK.
 */
export function createNodeListener(
  app: Hono,
  options: FastPathOptions & { readonly fastPath: boolean },
): RequestListener {
  const hono = getRequestListener(app.fetch);
  const fallThrough = (req: IncomingMessage, res: ServerResponse, body?: Buffer) => {
    if (body) (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    closeWhenAsked(res);
    void hono(req, res);
  };
  if (!options.fastPath) return (req, res) => fallThrough(req, res);
  const fast = createMcpFastPath(options, fallThrough);
  return (req, res) => {
    if (!fast(req, res)) fallThrough(req, res);
  };
}

/**
 * RFC 9112 §9.6: a server that receives "close" "MUST initiate closure of the connection after it
 * sends the final response", and an HTTP/1.0 request without keep-alive is not persistent (§9.3).
 * Node decides that per request (`shouldKeepAlive`), but the SDK's streamed answers set
 * `Connection: keep-alive` themselves, so such a socket stayed open until the idle timeout, ~5 s,
 * and an HTTP/1.0 client, whose answer ends when the connection does, waited that long (an
 * outside differential probe; the fast path's own answers were right).
 */
function closeWhenAsked(res: ServerResponse): void {
  if (res.shouldKeepAlive) return;
  const socket = res.socket; // Node detaches it from the response on 'finish'
  res.once('finish', () => socket?.end());
}
