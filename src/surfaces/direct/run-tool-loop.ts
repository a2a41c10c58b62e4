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

/** What the loop had done when it stopped on an error: the calls that ran and the conversation. */
export interface ToolLoopProgress {
  readonly calls: readonly ToolCallRecord[];
  /** Ready to continue: the turn in progress is answered, its calls not run marked as such. */
  readonly messages: readonly Anthropic.MessageParam[];
}

/**
 * The progress a failed `runToolLoop` attached to its error (the SDK's typed error, or the abort
 * reason, thrown as it was so `instanceof` and `name` checks still work): the calls that ran, with
 * their audit ids, and the conversation. Before, the error came out alone and an app lost the
 * record of the drafts its model had made (outside probe, 2026-12-07).
 */
export function toolLoopProgressOf(error: unknown): ToolLoopProgress | undefined {
  return typeof error === 'object' && error !== null
    ? (error as { [PROGRESS]?: ToolLoopProgress })[PROGRESS]
    : undefined;
}
const PROGRESS = Symbol.for('toolgate.toolLoopProgress');

/**
 * Runs a conversation until the model stops asking for tools (R12): send tools → `tool_use` →
 * pipeline → `tool_result` → repeat. `pause_turn` (a server tool paused a long turn) is resumed by
 * sending the assistant turn back as is. Every tool call is audited by the gateway.
 */
export async function runToolLoop(options: ToolLoopOptions): Promise<ToolLoopResult> {
  const tools = messagesTools(options.gateway, options.client, options.principal);
  const maxIterations = options.maxIterations ?? 8;
  const perTurn = options.maxToolCallsPerTurn ?? 16;
  if (!Number.isInteger(maxIterations) || maxIterations < 1)
    throw new RangeError('maxIterations must be a whole number, at least 1.');
  if (!Number.isInteger(perTurn) || perTurn < 1)
    throw new RangeError('maxToolCallsPerTurn must be a whole number, at least 1.');
  const params =
    options.untrustedContentNote === false
      ? options.params
      : { ...options.params, system: withNote(options.params.system) };
  const messages: Anthropic.MessageParam[] = [...options.params.messages];
  const calls: ToolCallRecord[] = [];
  // Every id answered so far, across turns: a reused id is answered as an error, not run again.
  const answered = new Set<string>();
  let message: Anthropic.Message | undefined;
  let turn: { readonly message: Anthropic.Message; readonly results: Anthropic.ToolResultBlockParam[] } | null = null;

  try {
    for (let i = 0; i < maxIterations; i++) {
      message = await options.anthropic.messages.create(
        { ...params, messages, tools },
        options.signal ? { signal: options.signal } : undefined,
      );
      messages.push({ role: 'assistant', content: message.content });
      if (message.stop_reason === 'pause_turn') continue;
      if (message.stop_reason !== 'tool_use') return finish(message, messages, calls, message.stop_reason);
      turn = { message, results: [] };
      await runTurn(options, turn, calls, perTurn, answered);
      // `tool_use` with no tool_use block: an empty user turn is not a valid request.
      if (turn.results.length === 0) return finish(message, messages, calls, message.stop_reason);
      messages.push({ role: 'user', content: turn.results });
      turn = null;
    }
  } catch (error) {
    if (turn) messages.push({ role: 'user', content: completed(turn, answered, error) });
    throw withProgress(error, { calls, messages });
  }
  return finish(message!, messages, calls, 'max_iterations');
}

/** One turn's `tool_use` blocks, run in order, each answered once into `turn.results`. */
async function runTurn(
  options: ToolLoopOptions,
  turn: { readonly message: Anthropic.Message; readonly results: Anthropic.ToolResultBlockParam[] },
  calls: ToolCallRecord[],
  perTurn: number,
  answered: Set<string>,
): Promise<void> {
  const inTurn = new Set<string>();
  let run = 0;
  for (const block of turn.message.content) {
    if (block.type !== 'tool_use') continue;
    const name = toolAsShown(options.gateway.runtime, block.name);
    const refuse = (text: string, errorCode: string) => {
      turn.results.push({ type: 'tool_result', tool_use_id: block.id, content: text, is_error: true });
      calls.push({ toolUseId: block.id, name, ok: false, auditId: null, errorCode });
    };
    // A repeated id would make two answers to one question, and two audit events with one call
    // id: within a turn the first block is answered and the others dropped; an id from an
    // earlier turn gets an error (its turn needs an answer) and does not run again.
    if (inTurn.has(block.id)) {
      calls.push({ toolUseId: block.id, name, ok: false, auditId: null, errorCode: 'invalid_input' });
      continue;
    }
    inTurn.add(block.id);
    if (answered.has(block.id)) {
      refuse('Not run: this tool_use id was already answered earlier in the conversation.', 'invalid_input');
      continue;
    }
    answered.add(block.id);
    if (run >= perTurn) {
      refuse(
        `Not run: at most ${perTurn} tool calls are run per turn. Ask again for what is still needed.`,
        'rate_limited',
      );
      continue;
    }
    run++;
    // A cancelled loop starts no further call (toolResultFor throws): the rest could be a write.
    const { block: resultBlock, result } = await toolResultFor(options, block);
    turn.results.push(resultBlock);
    calls.push({
      toolUseId: block.id,
      name,
      ok: result.ok,
      auditId: result.auditId,
      errorCode: result.ok ? null : result.error.code,
    });
  }
}

/** The turn the loop stopped in, answered: what ran, then each block it did not reach, as not run. */
function completed(
  turn: { readonly message: Anthropic.Message; readonly results: Anthropic.ToolResultBlockParam[] },
  answered: Set<string>,
  error: unknown,
): Anthropic.ToolResultBlockParam[] {
  const why = error instanceof Error ? error.message : String(error);
  const results = [...turn.results];
  const done = new Set(results.map((r) => r.tool_use_id));
  for (const block of turn.message.content) {
    if (block.type !== 'tool_use' || done.has(block.id)) continue;
    done.add(block.id);
    answered.add(block.id);
    results.push({
      type: 'tool_result',
      tool_use_id: block.id,
      content: `Not run: the loop stopped (${why}).`,
      is_error: true,
    });
  }
  return results;
}

/** The error as thrown, carrying the progress (a non-object is wrapped in an Error first). */
function withProgress(error: unknown, progress: ToolLoopProgress): unknown {
  const carrier = typeof error === 'object' && error !== null ? error : new Error(String(error), { cause: error });
  Object.defineProperty(carrier, PROGRESS, { value: progress, configurable: true });
  return carrier;
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
