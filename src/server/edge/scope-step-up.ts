import type { AuthFailure } from '../../auth/challenge.js';
import type { AuthSuccess, Authenticator } from '../../auth/authenticator.js';
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
  const request = message as { method?: unknown; params?: { name?: unknown } } | null;
  const name = request?.method === 'tools/call' ? request.params?.name : undefined;
  if (typeof name !== 'string' || !gateway.runtime.toolsetOf(outcome.who.client).has(name)) return null;
  const tool = gateway.runtime.tools.get(name);
  const failure = tool && authenticator.insufficientScope(outcome, tool.scopes, `tools/call ${name}`);
  return failure ? { failure, tool: name } : null;
}
