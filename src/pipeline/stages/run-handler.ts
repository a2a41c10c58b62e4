import { runWithDeadline } from '../tool-context.js';
import { toolOf, type CallState } from '../state.js';

/** Runs the tool's handler under its deadline; what it throws is mapped to a typed error later. */
export async function runHandler(state: CallState): Promise<void> {
  const tool = toolOf(state);
  state.output = await runWithDeadline(state, (ctx) => tool.handler(state.input, ctx));
}
