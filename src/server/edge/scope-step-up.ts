import type { AuthFailure } from '../../auth/challenge.js';
import type { AuthSuccess, Authenticator } from '../../auth/authenticator.js';
import type { AnyTool } from '../../contract/types.js';
import type { Gateway } from '../../gateway/create-gateway.js';

/**
 * MCP authorization, "Runtime Insufficient Scope Errors": when a request needs scopes the token
 * lacks, the server SHOULD answer "HTTP 403 Forbidden" with error="insufficient_scope" and the
 * scopes "needed to satisfy the current operation", so an OAuth client can step up. Checked
 * before the call runs, because the answer must be an HTTP status, not a tool result. Only OAuth
 * callers can step up; tools outside the caller's toolset are left to the pipeline (unknown tool).
 * Framework-free: `message` is the parsed JSON-RPC body.
 */
export function scopeStepUp(
  gateway: Gateway,
  authenticator: Authenticator,
  outcome: AuthSuccess,
  message: unknown,
): { readonly failure: AuthFailure; readonly tool: string } | null {
  if (outcome.method !== 'jwt' && outcome.method !== 'introspection') return null;
  // A batch (served below 2025-06-18) is one operation: one 403 for what all of its calls need.
  // Outside probe: a batched call skipped the step-up and got the pipeline's in-band `forbidden`;
  // "Servers SHOULD be consistent in their scope inclusion strategy".
  const toolset = gateway.runtime.toolsetOf(outcome.who.client);
  const called: AnyTool[] = [];
  for (const each of Array.isArray(message) ? message : [message]) {
    const name = calledTool(each);
    const tool = name !== undefined && toolset.has(name) ? gateway.runtime.tools.get(name) : undefined;
    if (tool && !called.includes(tool)) called.push(tool);
  }
  if (called.length === 0) return null;
  const needed = called.length === 1 ? called[0]!.scopes : [...new Set(called.flatMap((tool) => tool.scopes))];
  const operation = `tools/call ${called.map((tool) => tool.name).join(', ')}`;
  const failure = authenticator.insufficientScope(outcome, needed, operation);
  if (!failure) return null;
  // The audit event names one tool: the first the token lacks a scope for.
  const held = outcome.who.principal.scopes;
  const lacking = called.find((tool) => tool.scopes.some((scope) => !held.includes(scope))) ?? called[0]!;
  return { failure, tool: lacking.name };
}

/** The tool a JSON-RPC message calls, if it is a tools/call naming one. */
function calledTool(message: unknown): string | undefined {
  const request = message as { method?: unknown; params?: { name?: unknown } } | null;
  const name = request?.method === 'tools/call' ? request.params?.name : undefined;
  return typeof name === 'string' ? name : undefined;
}
