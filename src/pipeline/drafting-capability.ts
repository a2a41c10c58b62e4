import type { ActionRuntimeSpec, ToolContext } from '../contract/types.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { DraftRecord } from '../store/types.js';

/**
 * The one capability action tools get that read tools do not use: creating and reading drafts.
 * It rides on the tool context under a symbol, so it is not part of the public ToolContext and a
 * handler written by a tool author never sees the store.
 */
export const DRAFTING = Symbol.for('toolgate.drafting');

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
