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
    void hono(req, res);
  };
  if (!options.fastPath) return (req, res) => fallThrough(req, res);
  const fast = createMcpFastPath(options, fallThrough);
  return (req, res) => {
    if (!fast(req, res)) fallThrough(req, res);
  };
}
