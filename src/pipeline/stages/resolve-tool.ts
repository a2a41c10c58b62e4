import { ToolgateError } from '../../errors/toolgate-error.js';
import { deny, type CallState } from '../state.js';

/** Calls to names a client may not call share one small bucket per caller (issue #13, item 4). */
const UNKNOWN_TOOLS = { capacity: 10, refillPerSecond: 10 / 60 };
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

async function refuseUnknown(state: CallState, exists: boolean): Promise<void> {
  const { tool: name, client, principal } = state.request;
  const key = JSON.stringify([principal.tenant, principal.actorId, '*unknown-tool*']);
  const bucket = await state.runtime.store.rateLimits.take(key, UNKNOWN_TOOLS, state.runtime.now());
  if (!bucket.allowed) {
    const seconds = Math.max(1, Math.ceil(bucket.retryAfterMs / 1000));
    const error = new ToolgateError('rate_limited', `Too many calls to unknown tools; retry after ${seconds} s.`, {
      retryAfterMs: bucket.retryAfterMs,
    });
    throw deny(state, 'rate limit for unknown tool names exceeded', error);
  }
  const why = exists ? `tool not in toolset of client ${client}` : 'no such tool';
  const message = `Unknown tool "${String(name).slice(0, 64)}". List the tools to see what this client may call.`;
  throw deny(state, why, new ToolgateError('not_found', message));
}
