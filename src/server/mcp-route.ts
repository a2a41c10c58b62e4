import { createMcpHandler, type McpRequestContext } from '@modelcontextprotocol/server';
import type { Context } from 'hono';
import { mcpServerFactory, type McpCaller } from '../surfaces/mcp/server-factory.js';
import type { AuthSuccess } from '../auth/authenticator.js';
import { failureResponse, type AuthFailure } from '../auth/challenge.js';
import type { Principal } from '../auth/principal.js';
import { authDeniedEvent } from './auth-audit.js';
import { clientAddress } from './edge/hono-edge.js';
import type { HttpAppOptions } from './options.js';

/** The HTTP app's settings this route reads, plus where to report rejected requests. */
export type McpRouteOptions = Pick<HttpAppOptions, 'gateway' | 'authenticator' | 'trustProxy' | 'maxBodyBytes'> & {
  readonly onError: (error: Error) => void;
};

/**
 * `/mcp`: Streamable HTTP, stateless (any instance behind a load balancer can answer any
 * request; no sticky sessions). Order: Host/Origin checks, then authentication (static, JWT or
 * introspected token: src/auth/authenticator.ts), the step-up scope check for tools/call, then the
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

    const outcome = await options.authenticator.authenticate({ headers: request.headers, url: request.url });
    if (!outcome.ok) return refuse(c, outcome);
    const who = outcome.who;
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
    const stepUp = await scopeChallenge(request, outcome);
    if (stepUp) return refuse(c, stepUp.failure, { tool: stepUp.tool, principal: who.principal });

    const caller: McpCaller = { principal: who.principal, client: who.client, requestId: c.get('requestId') as string };
    return handler.fetch(request, {
      authInfo: { token: '[verified]', clientId: who.client, scopes: [...who.principal.scopes], extra: { caller } },
    });
  }
  /** Audits the refusal (the pipeline never ran, so nothing else would) and answers it. */
  async function refuse(c: Context, failure: AuthFailure, extra: { tool?: string; principal?: Principal } = {}) {
    const event = authDeniedEvent(failure, {
      surface: 'mcp_http',
      requestId: (c.get('requestId') as string | undefined) ?? null,
      address: clientAddress(c, options.trustProxy),
      ...extra,
    });
    await options.gateway.runtime.store.audit.append(event).catch((err: unknown) => options.onError(err as Error));
    return failureResponse(failure);
  }

  /**
   * MCP authorization, "Runtime Insufficient Scope Errors": when a request needs scopes the token
   * lacks, the server SHOULD answer "HTTP 403 Forbidden" with error="insufficient_scope" and the
   * scopes "needed to satisfy the current operation", so an OAuth client can step up. Checked here,
   * before the SDK runs, because the answer must be an HTTP status, not a tool result. Tools the
   * caller's toolset does not contain are left to the pipeline (an unknown tool, as before).
   */
  async function scopeChallenge(request: Request, outcome: AuthSuccess) {
    if (request.method !== 'POST' || (outcome.method !== 'jwt' && outcome.method !== 'introspection')) return null;
    let message: { method?: unknown; params?: { name?: unknown } };
    try {
      message = JSON.parse(await request.clone().text()) as typeof message;
    } catch {
      return null; // the SDK answers a parse error
    }
    const name = message?.method === 'tools/call' ? message.params?.name : undefined;
    if (typeof name !== 'string' || !options.gateway.runtime.toolsetOf(outcome.who.client).has(name)) return null;
    const tool = options.gateway.runtime.tools.get(name);
    const failure = tool && options.authenticator.insufficientScope(outcome, tool.scopes, `tools/call ${name}`);
    return failure ? { failure, tool: name } : null;
  }

  return { handle, close: () => handler.close() };
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
