import { ToolgateError } from '../../errors/toolgate-error.js';
import { deny, type CallState } from '../state.js';

/**
 * Finds the tool in the client's toolset (R14). A tool outside the toolset is reported exactly
 * like a tool that does not exist, so a client cannot probe for tools it was not given.
 */
export function resolveTool(state: CallState): void {
  const { tool: name, client } = state.request;
  const tool = state.runtime.tools.get(name);
  if (!tool || !state.runtime.toolsetOf(client).has(name)) {
    const why = tool ? `tool not in toolset of client ${client}` : 'no such tool';
    throw deny(state, why, new ToolgateError('not_found', `Unknown tool "${String(name).slice(0, 64)}". List the tools to see what this client may call.`));
  }
  state.tool = tool;
}
