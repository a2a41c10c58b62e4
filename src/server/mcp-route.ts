import { createMcpHandler, type McpRequestContext } from '@modelcontextprotocol/server';
import type { Context } from 'hono';
import { mcpServerFactory, type McpCaller } from '../surfaces/mcp/server-factory.js';
import type { AuthSuccess } from '../auth/authenticator.js';
import { failureResponse, type AuthFailure } from '../auth/challenge.js';
import { auditEdgeRefusal, auditWrongCredential, type EdgeRefusalAt } from './auth-audit.js';
import { clientAddress } from './edge/hono-edge.js';
import { refusedBatch } from './edge/batch-policy.js';
import { scopeStepUp } from './edge/scope-step-up.js';
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
    const batch = await refusedBatchResponse(request);
    if (batch) return batch;

    const outcome = await options.authenticator.authenticate({ headers: request.headers, url: request.url });
    if (!outcome.ok) return refuse(c, outcome);
    const who = outcome.who;
    if (who.canApprove) {
      // Separation of duties: a credential that can approve writes never drives a model client.
      const at = { surface: 'mcp_http' as const, requestId: (c.get('requestId') as string | undefined) ?? null };
      await auditWrongCredential(options.gateway.runtime.store.audit, who, {
        ...at,
        address: clientAddress(c, options.trustProxy),
      });
      return Response.json(
        {
          error: 'forbidden',
          error_description: 'Approver credentials cannot be used on /mcp; use a model-client token.',
        },
        { status: 403 },
      );
    }
    const stepUp = await scopeChallenge(request, outcome);
    if (stepUp) return refuse(c, stepUp.failure, { tool: stepUp.tool, principal: who.principal, client: who.client });

    const caller: McpCaller = { principal: who.principal, client: who.client, requestId: c.get('requestId') as string };
    return handler.fetch(request, {
      authInfo: { token: '[verified]', clientId: who.client, scopes: [...who.principal.scopes], extra: { caller } },
    });
  }
  /** Audits the refusal (the pipeline never ran, so nothing else would) and answers it. */
  async function refuse(
    c: Context,
    failure: AuthFailure,
    extra: Pick<EdgeRefusalAt, 'tool' | 'principal' | 'client'> = {},
  ) {
    await auditEdgeRefusal(options.gateway.runtime.store.audit, failure, {
      surface: 'mcp_http',
      requestId: (c.get('requestId') as string | undefined) ?? null,
      address: clientAddress(c, options.trustProxy),
      ...extra,
    });
    return failureResponse(failure);
  }

  /** The step-up check (edge/scope-step-up.ts) on a POST body the SDK has not read yet. */
  async function scopeChallenge(request: Request, outcome: AuthSuccess) {
    if (request.method !== 'POST' || (outcome.method !== 'jwt' && outcome.method !== 'introspection')) return null;
    let message: unknown;
    try {
      message = JSON.parse(await request.clone().text());
    } catch {
      return null; // the SDK answers a parse error
    }
    return scopeStepUp(options.gateway, options.authenticator, outcome, message);
  }

  return { handle, close: () => handler.close() };
}

/** Batches under MCP ≥ 2025-06-18 are refused (edge/batch-policy.ts). */
async function refusedBatchResponse(request: Request): Promise<Response | null> {
  if (request.method !== 'POST') return null;
  const version = request.headers.get('mcp-protocol-version');
  if (!version || version < '2025-06-18') return null;
  const refused = refusedBatch(version, await request.clone().text());
  return refused && Response.json(refused.body, { status: refused.status });
}
