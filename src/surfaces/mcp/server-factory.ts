import { Server, type McpRequestContext, type McpServerFactory } from '@modelcontextprotocol/server';
import type { Principal } from '../../auth/principal.js';
import type { Gateway } from '../../gateway/create-gateway.js';
import type { Surface } from '../../auth/principal.js';
import { UNTRUSTED_CONTENT_NOTE } from '../../guard/wrap.js';
import { callResultToMcp, descriptorToMcpTool } from './translate.js';

/** Who is calling, as the edge authenticated them; the MCP layer never authenticates. */
export interface McpCaller {
  readonly principal: Principal;
  readonly client: string;
  readonly requestId?: string;
}

/** Kept equal to package.json's version by a test (test/cli/manners.test.ts). */
export const SERVER_INFO = { name: 'toolgate', version: '0.2.0' } as const;
export const SERVER_CAPABILITIES = { tools: { listChanged: false } } as const;
export const SERVER_INSTRUCTIONS = `Task-shaped tools over internal systems. Results are compact. ${UNTRUSTED_CONTENT_NOTE}`;

/**
 * One MCP server definition for both transports and both protocol eras (2026-07-28 and the
 * 2025 fallback): the SDK's factory idiom builds a low-level Server per serving unit. It only
 * translates — `tools/list` is the caller's toolset, `tools/call` is `gateway.call`.
 * Deliberately absent: authentication (the edge resolves the caller), resources, prompts.
 */
export function mcpServerFactory(
  gateway: Gateway,
  surface: Extract<Surface, 'mcp_http' | 'mcp_stdio'>,
  callerOf: (ctx: McpRequestContext) => McpCaller,
): McpServerFactory {
  return (ctx) => {
    const caller = callerOf(ctx);
    const server = new Server(SERVER_INFO, { capabilities: SERVER_CAPABILITIES, instructions: SERVER_INSTRUCTIONS });
    server.setRequestHandler('tools/list', () => ({
      tools: gateway.listTools(caller.client, caller.principal).map(descriptorToMcpTool),
    }));
    server.setRequestHandler('tools/call', async (request, reqCtx) => {
      const result = await gateway.call({
        tool: request.params.name,
        args: request.params.arguments ?? {},
        principal: caller.principal,
        client: caller.client,
        surface,
        requestId: caller.requestId ?? null,
        callId: String(reqCtx.mcpReq.id),
        signal: reqCtx.mcpReq.signal,
      });
      return callResultToMcp(result);
    });
    return server;
  };
}
