import type Anthropic from '@anthropic-ai/sdk';
import type { Principal } from '../../auth/principal.js';
import type { Gateway } from '../../gateway/create-gateway.js';
import type { CallResult } from '../../pipeline/types.js';

export interface DirectCaller {
  readonly gateway: Gateway;
  /** The app's user, already authenticated by the app's own session. */
  readonly principal: Principal;
  /** The client id whose toolset applies, e.g. `support_app`. */
  readonly client: string;
  readonly requestId?: string;
  readonly signal?: AbortSignal;
}

/**
 * Turns one `tool_use` block into its `tool_result` block. The pipeline decides everything; this
 * only translates: compact JSON text, `is_error` on failure (the model then sees the typed error).
 */
export async function toolResultFor(
  caller: DirectCaller,
  block: Pick<Anthropic.ToolUseBlock, 'id' | 'name' | 'input'>,
): Promise<{ block: Anthropic.ToolResultBlockParam; result: CallResult }> {
  // Cancelled before it started: nothing runs (a write would still have made its draft; outside
  // probe). The pipeline follows the signal only once a handler reads it.
  caller.signal?.throwIfAborted();
  const result = await caller.gateway.call({
    tool: block.name,
    args: block.input,
    principal: caller.principal,
    client: caller.client,
    surface: 'direct',
    requestId: caller.requestId ?? null,
    callId: block.id,
    ...(caller.signal ? { signal: caller.signal } : {}),
  });
  return {
    block: {
      type: 'tool_result',
      tool_use_id: block.id,
      content: result.text,
      ...(result.ok ? {} : { is_error: true }),
    },
    result,
  };
}
