import type { ActionRuntimeSpec, ToolContext } from '../contract/types.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { DraftRecord } from '../store/types.js';

/**
 * The one capability action tools get that read tools do not use: creating and reading drafts.
 * It rides on the tool context under a symbol, so it is not part of the public ToolContext and a
 * handler written by a tool author never sees the store.
 */
export const DRAFTING = Symbol.for('toolgate.drafting');

/**
 * The arguments the call was made with, as sent (before the input schema's transforms): what a
 * draft stores where its parsed input cannot be encoded back (actions/draft-input.ts).
 */
export const CALL_ARGS = Symbol.for('toolgate.call-args');

/** The arguments `ctx`'s call was made with, as sent; undefined outside a pipeline call. */
export function callArgsOf(ctx: ToolContext): unknown {
  return (ctx as unknown as Record<symbol, unknown>)[CALL_ARGS];
}

/** The call context's hook that marks its call as refused by the gateway (CallContext in tool-context.ts). */
export const DENY_CALL = Symbol.for('toolgate.deny-call');

/**
 * Marks the call `ctx` belongs to as refused by policy, so its audit event records decision
 * `deny`, outcome `denied` and `reason`, as the pipeline's own refusals do (a rate limit, a
 * missing scope); then hands back `error` to throw.
 */
export function denyCall(ctx: ToolContext, reason: string, error: ToolgateError): ToolgateError {
  (ctx as unknown as Record<symbol, ((reason: string) => void) | undefined>)[DENY_CALL]?.(reason);
  return error;
}

export interface Drafting {
  createDraft(
    tool: string,
    spec: ActionRuntimeSpec,
    input: unknown,
    preview: unknown,
    ctx: ToolContext,
  ): Promise<Record<string, unknown>>;
  getDraft(id: string): Promise<DraftRecord | null>;
}

export function draftingOf(ctx: ToolContext): Drafting {
  const drafting = (ctx as unknown as Record<symbol, Drafting | undefined>)[DRAFTING];
  if (!drafting)
    throw new ToolgateError('internal', undefined, { detail: 'action tool ran without the drafting capability' });
  return drafting;
}
