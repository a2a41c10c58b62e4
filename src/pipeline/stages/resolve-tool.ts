import { ToolgateError } from '../../errors/toolgate-error.js';
import { refuseCounted } from '../refusal-budget.js';
import { deny, type CallState } from '../state.js';

export const READ_ONLY = 'This gateway is read-only: write actions are switched off. Reads still work.';

/**
 * Finds the tool in the client's toolset (R14). A tool outside the toolset is reported exactly
 * like a tool that does not exist, so a client cannot probe for tools it was not given. Such calls
 * still count against the caller: a token holder cannot grow the audit log by calling nonsense.
 */
export function resolveTool(state: CallState): Promise<void> | void {
  const { tool: name, client } = state.request;
  const tool = state.runtime.tools.get(name);
  if (tool && state.runtime.toolsetOf(client).has(name)) {
    state.tool = tool;
    if (tool.kind === 'action' && state.runtime.readOnly) {
      // Issue #16: the switch is the answer, not "unknown tool": the caller may have listed it earlier.
      throw deny(
        state,
        'gateway is read-only: write actions are switched off',
        new ToolgateError('forbidden', READ_ONLY),
      );
    }
    return; // synchronously: the common case costs no promise (issue #15)
  }
  return refuseUnknown(state, tool !== undefined);
}

function refuseUnknown(state: CallState, exists: boolean): Promise<never> {
  const { tool: name, client } = state.request;
  const why = exists ? `tool not in toolset of client ${client}` : 'no such tool';
  const message = `Unknown tool "${String(name).slice(0, 64)}". List the tools to see what this client may call.`;
  return refuseCounted(state, why, new ToolgateError('not_found', message));
}
