import { ToolgateError } from '../../errors/toolgate-error.js';
import { runWithDeadline } from '../tool-context.js';
import { deny, toolOf, type CallState } from '../state.js';

/**
 * A call may only touch its own tenant's records (R16). The tool declares how to find the tenant
 * of the record it touches; a mismatch is denied before the handler runs.
 */
export async function tenantBoundary(state: CallState): Promise<void> {
  const tool = toolOf(state);
  const own = state.request.principal.tenant;
  if (tool.tenant === 'caller') {
    state.checks.push(`scoped to caller tenant ${own}`);
    return;
  }
  const rule = tool.tenant;
  const owner = await runWithDeadline(state, (ctx) => rule.ownerOf(state.input, ctx));
  if (owner === null || owner === undefined) {
    throw new ToolgateError('not_found', `The record named in the arguments of ${tool.name} was not found.`);
  }
  if (owner !== own) {
    throw deny(
      state,
      `tenant mismatch: record of ${owner}, caller of ${own}`,
      new ToolgateError('tenant_mismatch', 'That record belongs to another tenant; this caller cannot access it.'),
    );
  }
  state.checks.push(`tenant ${own} matches record`);
}
