import type Anthropic from '@anthropic-ai/sdk';
import { UNTRUSTED_CONTENT_NOTE } from '../../guard/wrap.js';
import { toolAsShown } from '../../pipeline/audit-call.js';
import { messagesTools } from './tool-definitions.js';
import { toolResultFor, type DirectCaller } from './tool-result.js';

export interface ToolLoopOptions extends DirectCaller {
  readonly anthropic: Anthropic;
  /** Everything but `tools` (derived from the client's toolset). */
  readonly params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'tools'>;
  /** Model turns before giving up; each turn may run several tools. Default 8. */
  readonly maxIterations?: number;
  /**
   * Tool calls run in one model turn; the blocks past it are answered as errors without running,
   * so the conversation stays valid and the model can ask again. Default 16.
   */
  readonly maxToolCallsPerTurn?: number;
  /**
   * Adds UNTRUSTED_CONTENT_NOTE to `params.system` (default true): what MCP clients get as the
   * server's instructions, so a model reading `<untrusted_content>` knows it is data.
   */
  readonly untrustedContentNote?: boolean;
}

export interface ToolCallRecord {
  readonly toolUseId: string;
  /** The tool's name; a name that is no tool's is shown masked, as the audit shows it. */
  readonly name: string;
  readonly ok: boolean;
  /** Null for a block answered without running (a repeated id, over the turn's limit). */
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
 * Thrown when the loop stops on an error (the model API failed, the signal aborted) after it may
 * already have run tools: `calls` and `messages` say what was done, with their audit ids, and
 * `cause` is the error itself (the SDK's typed error, or the abort reason). Before, the SDK's
 * error came out alone and an app lost the record of the drafts its model had made (outside
 * probe, 2026-12-07).
 */
export class ToolLoopError extends Error {
  override readonly name = 'ToolLoopError';
  constructor(
    readonly calls: readonly ToolCallRecord[],
    readonly messages: readonly Anthropic.MessageParam[],
    cause: unknown,
  ) {
    super(
      `the tool loop stopped after ${calls.length} tool call(s): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * Runs a conversation until the model stops asking for tools (R12): send tools → `tool_use` →
 * pipeline → `tool_result` → repeat. `pause_turn` (a server tool paused a long turn) is resumed by
 * sending the assistant turn back as is. Every tool call is audited by the gateway.
 */
export async function runToolLoop(options: ToolLoopOptions): Promise<ToolLoopResult> {
  const tools = messagesTools(options.gateway, options.client, options.principal);
  const maxIterations = options.maxIterations ?? 8;
  const perTurn = options.maxToolCallsPerTurn ?? 16;
  if (!(maxIterations >= 1)) throw new RangeError('maxIterations must be at least 1.');
  if (!(perTurn >= 1)) throw new RangeError('maxToolCallsPerTurn must be at least 1.');
  const params =
    options.untrustedContentNote === false
      ? options.params
      : { ...options.params, system: withNote(options.params.system) };
  const messages: Anthropic.MessageParam[] = [...options.params.messages];
  const calls: ToolCallRecord[] = [];
  let message: Anthropic.Message | undefined;

  try {
    for (let turn = 0; turn < maxIterations; turn++) {
      message = await options.anthropic.messages.create(
        { ...params, messages, tools },
        options.signal ? { signal: options.signal } : undefined,
      );
      messages.push({ role: 'assistant', content: message.content });
      if (message.stop_reason === 'pause_turn') continue;
      if (message.stop_reason !== 'tool_use') return finish(message, messages, calls, message.stop_reason);
      const results = await runTurn(options, message, calls, perTurn);
      // `tool_use` with no tool_use block: an empty user turn is not a valid request.
      if (results.length === 0) return finish(message, messages, calls, message.stop_reason);
      messages.push({ role: 'user', content: results });
    }
  } catch (error) {
    throw new ToolLoopError(calls, messages, error);
  }
  return finish(message!, messages, calls, 'max_iterations');
}

/** One turn's `tool_use` blocks, run in order; their `tool_result` blocks, one per distinct id. */
async function runTurn(
  options: ToolLoopOptions,
  message: Anthropic.Message,
  calls: ToolCallRecord[],
  perTurn: number,
): Promise<Anthropic.ToolResultBlockParam[]> {
  const results: Anthropic.ToolResultBlockParam[] = [];
  const seen = new Set<string>();
  let run = 0;
  for (const block of message.content) {
    if (block.type !== 'tool_use') continue;
    const name = toolAsShown(options.gateway.runtime, block.name);
    // A repeated id would make two answers to one question, and two audit events with one call
    // id: the first block is the one answered.
    if (seen.has(block.id)) {
      calls.push({ toolUseId: block.id, name, ok: false, auditId: null, errorCode: 'invalid_input' });
      continue;
    }
    seen.add(block.id);
    if (run >= perTurn) {
      const text = `Not run: at most ${perTurn} tool calls are run per turn. Ask again for what is still needed.`;
      results.push({ type: 'tool_result', tool_use_id: block.id, content: text, is_error: true });
      calls.push({ toolUseId: block.id, name, ok: false, auditId: null, errorCode: 'rate_limited' });
      continue;
    }
    run++;
    // A cancelled loop starts no further call (toolResultFor throws): the rest could be a write.
    const { block: resultBlock, result } = await toolResultFor(options, block);
    results.push(resultBlock);
    calls.push({
      toolUseId: block.id,
      name,
      ok: result.ok,
      auditId: result.auditId,
      errorCode: result.ok ? null : result.error.code,
    });
  }
  return results;
}

function withNote(system: Anthropic.MessageCreateParams['system']): Anthropic.MessageCreateParams['system'] {
  if (system === undefined || system === '') return UNTRUSTED_CONTENT_NOTE;
  if (typeof system === 'string') return `${system}\n\n${UNTRUSTED_CONTENT_NOTE}`;
  return [...system, { type: 'text', text: UNTRUSTED_CONTENT_NOTE }];
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
