import type Anthropic from '@anthropic-ai/sdk';
import { messagesTools } from './tool-definitions.js';
import { toolResultFor, type DirectCaller } from './tool-result.js';

export interface ToolLoopOptions extends DirectCaller {
  readonly anthropic: Anthropic;
  /** Everything but `tools` (derived from the client's toolset). */
  readonly params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'tools'>;
  /** Model turns before giving up; each turn may run several tools. Default 8. */
  readonly maxIterations?: number;
}

export interface ToolCallRecord {
  readonly toolUseId: string;
  readonly name: string;
  readonly ok: boolean;
  readonly auditId: string | null;
  readonly errorCode: string | null;
}

export interface ToolLoopResult {
  /** The last message from the model. */
  readonly message: Anthropic.Message;
  /** The whole conversation, ready to continue. */
  readonly messages: Anthropic.MessageParam[];
  readonly calls: ToolCallRecord[];
  /** Why the loop stopped: the model's last stop reason, or `max_iterations`. */
  readonly stoppedBecause: Anthropic.StopReason | 'max_iterations' | null;
  /** The text of the last message, joined. */
  readonly text: string;
}

/**
 * Runs a conversation until the model stops asking for tools (R12): send tools → `tool_use` →
 * pipeline → `tool_result` → repeat. `pause_turn` (a server tool paused a long turn) is resumed by
 * sending the assistant turn back as is. Every tool call is audited by the gateway.
 */
export async function runToolLoop(options: ToolLoopOptions): Promise<ToolLoopResult> {
  const tools = messagesTools(options.gateway, options.client, options.principal);
  const messages: Anthropic.MessageParam[] = [...options.params.messages];
  const calls: ToolCallRecord[] = [];
  const maxIterations = options.maxIterations ?? 8;
  let message: Anthropic.Message | undefined;

  for (let turn = 0; turn < maxIterations; turn++) {
    message = await options.anthropic.messages.create(
      { ...options.params, messages, tools },
      options.signal ? { signal: options.signal } : undefined,
    );
    messages.push({ role: 'assistant', content: message.content });
    if (message.stop_reason === 'pause_turn') continue;
    if (message.stop_reason !== 'tool_use') return finish(message, messages, calls, message.stop_reason);

    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const block of message.content) {
      if (block.type !== 'tool_use') continue;
      const { block: resultBlock, result } = await toolResultFor(options, block);
      results.push(resultBlock);
      calls.push({
        toolUseId: block.id,
        name: block.name,
        ok: result.ok,
        auditId: result.auditId,
        errorCode: result.ok ? null : result.error.code,
      });
    }
    messages.push({ role: 'user', content: results });
  }
  if (!message) throw new RangeError('maxIterations must be at least 1.');
  return finish(message, messages, calls, 'max_iterations');
}

function finish(
  message: Anthropic.Message,
  messages: Anthropic.MessageParam[],
  calls: ToolCallRecord[],
  stoppedBecause: ToolLoopResult['stoppedBecause'],
): ToolLoopResult {
  const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
  return { message, messages, calls, stoppedBecause, text };
}
