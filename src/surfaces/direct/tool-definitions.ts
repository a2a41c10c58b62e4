import type Anthropic from '@anthropic-ai/sdk';
import type { Principal } from '../../auth/principal.js';
import type { Gateway } from '../../gateway/create-gateway.js';

/**
 * Messages-API tool definitions for one client's toolset (R12, R14). The JSON Schema is the one
 * derived from the tool's zod input; the `$schema` key is dropped because the API does not need it.
 */
export function messagesTools(
  gateway: Gateway,
  client: string,
  principal: Pick<Principal, 'scopes' | 'roles'>,
): Anthropic.Tool[] {
  // Only the tools the principal's scopes and roles allow (issue #12): the others would only
  // answer `forbidden` and count against its refusals. Required, so a loop of the app's own
  // cannot leave it out by accident (outside probe, 2026-12-07).
  if (!principal || !Array.isArray(principal.scopes))
    throw new TypeError(
      "messagesTools(gateway, client, principal): the caller's principal is needed to list its tools.",
    );
  return gateway.listTools(client, principal).map((tool) => {
    const { $schema: _ignored, ...schema } = tool.inputSchema as Record<string, unknown>;
    return {
      name: tool.name,
      description: tool.description,
      input_schema: schema as Anthropic.Tool.InputSchema,
    };
  });
}
