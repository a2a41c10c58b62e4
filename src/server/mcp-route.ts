import { createMcpHandler, type McpRequestContext } from '@modelcontextprotocol/server';
import type { Context } from 'hono';
import { mcpServerFactory, type McpCaller } from '../surfaces/mcp/server-factory.js';
import type { HttpAppOptions } from './options.js';

/** The HTTP app's settings this route reads, plus where to report rejected requests. */
export type McpRouteOptions = Pick<HttpAppOptions, 'gateway' | 'authenticate' | 'anonymous' | 'maxBodyBytes'> & {
  readonly onError: (error: Error) => void;
};

/**
 * `/mcp`: Streamable HTTP, stateless (any instance behind a load balancer can answer any
 * request; no sticky sessions). Order: Host/Origin checks, then bearer authentication, then the
 * SDK's handler, which serves 2026-07-28 and falls back to 2025-era stateless serving.
 */
export function createMcpRoute(options: McpRouteOptions): {
  handle: (c: Context) => Promise<Response>;
  close: () => Promise<void>;
} {
  const factory = mcpServerFactory(options.gateway, 'mcp_http', (ctx: McpRequestContext) => {
    const caller = ctx.authInfo?.extra?.caller as McpCaller | undefined;
    // The route authenticates before the SDK runs, so a missing caller is a wiring bug.
    if (!caller) throw new Error('MCP request reached the server without an authenticated caller');
    return caller;
  });
  const handler = createMcpHandler(factory, { maxRequestBodySize: options.maxBodyBytes, onerror: options.onError });

  async function handle(c: Context): Promise<Response> {
    const request = c.req.raw;
    // Host and Origin are checked for every route by the edge (src/server/edge) before this runs.
    const batch = await refusedBatch(request);
    if (batch) return batch;

    const authorization = request.headers.get('authorization');
    // A presented credential is always checked: a bad token never falls back to anonymous.
    const who =
      authorization === null && options.anonymous
        ? options.anonymous
        : options.authenticate(authorization ?? undefined);
    if (!who) return unauthorized(authorization !== null);
    if (who.canApprove) {
      // Separation of duties: a credential that can approve writes never drives a model client.
      return Response.json(
        {
          error: 'forbidden',
          error_description: 'Approver credentials cannot be used on /mcp; use a model-client token.',
        },
        { status: 403 },
      );
    }

    const caller: McpCaller = { principal: who.principal, client: who.client, requestId: c.get('requestId') as string };
    return handler.fetch(request, {
      authInfo: { token: '[verified]', clientId: who.client, scopes: [...who.principal.scopes], extra: { caller } },
    });
  }
  return { handle, close: () => handler.close() };
}

/** RFC 6750 §3: no credentials → a bare challenge; a bad one → `invalid_token`. */
function unauthorized(presented: boolean): Response {
  const challenge = presented
    ? 'Bearer realm="toolgate", error="invalid_token", error_description="The bearer token is not recognised"'
    : 'Bearer realm="toolgate"';
  return new Response(
    JSON.stringify({
      error: presented ? 'invalid_token' : 'unauthorized',
      error_description: presented ? 'The bearer token is not recognised.' : 'Send Authorization: Bearer <token>.',
    }),
    { status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': challenge } },
  );
}

/**
 * JSON-RPC batching was removed from MCP in revision 2025-06-18 ("Remove support for JSON-RPC
 * batching", changelog); a client that negotiated that version or later must not send one.
 * Without the MCP-Protocol-Version header the spec says to assume 2025-03-26, which allowed it.
 */
async function refusedBatch(request: Request): Promise<Response | null> {
  const version = request.headers.get('mcp-protocol-version');
  if (request.method !== 'POST' || !version || version < '2025-06-18') return null;
  const text = await request.clone().text();
  if (!text.trimStart().startsWith('[')) return null;
  const message = `JSON-RPC batches are not part of MCP ${version}; send one request per POST.`;
  return Response.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message } }, { status: 400 });
}
