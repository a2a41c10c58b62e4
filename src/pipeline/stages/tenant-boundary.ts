import type { AnyTool } from '../../contract/types.js';
import { ToolgateError } from '../../errors/toolgate-error.js';
import { runWithDeadline } from '../tool-context.js';
import { deny, toolOf, type CallState } from '../state.js';

/**
 * A call may only touch its own tenant's records (R16). The tool declares how to find the tenant
 * of the record it touches; a mismatch is denied before the handler runs.
 */
export function tenantBoundary(state: CallState): Promise<void> | void {
  const tool = toolOf(state);
  if (tool.tenant === 'caller') {
    state.checks.push(`scoped to caller tenant ${state.request.principal.tenant}`);
    return; // synchronously: nothing to look up (issue #15)
  }
  return checkOwner(state, tool, tool.tenant);
}

async function checkOwner(state: CallState, tool: AnyTool, rule: Exclude<AnyTool['tenant'], 'caller'>): Promise<void> {
  const own = state.request.principal.tenant;
  const owner = await runWithDeadline(state, (ctx) => rule.ownerOf(state.input, ctx));
  // Another tenant's record answers exactly like a record that does not exist (issue #13, item
  // 10): otherwise a caller could learn which ids exist elsewhere. The audit keeps the truth.
  const message = `The record named in the arguments of ${tool.name} was not found.`;
  if (owner === null || owner === undefined) throw new ToolgateError('not_found', message);
  if (owner !== own) {
    const why = `tenant mismatch: record of ${owner}, caller of ${own}`;
    throw deny(state, why, new ToolgateError('not_found', message, { auditCode: 'tenant_mismatch' }));
  }
  state.checks.push(`tenant ${own} matches record`);
}
