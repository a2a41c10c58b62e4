import { ToolgateError } from '../../errors/toolgate-error.js';
import { refuseCounted } from '../refusal-budget.js';
import { toolOf, type CallState } from '../state.js';

/**
 * Scopes (all required) and roles (any one of them), checked before anything runs. A refusal is
 * counted against the caller like a call to an unknown tool (refusal-budget.ts).
 */
export function authorize(state: CallState): Promise<never> | void {
  const tool = toolOf(state);
  const { principal } = state.request;
  const missing = tool.scopes.filter((scope) => !principal.scopes.includes(scope));
  if (missing.length > 0) {
    return refuseCounted(
      state,
      `missing scope ${missing.join(', ')}`,
      new ToolgateError('forbidden', `This caller lacks the scope ${missing.join(', ')} needed for ${tool.name}.`),
    );
  }
  const roles = tool.roles ?? [];
  if (roles.length > 0 && !roles.some((role) => principal.roles.includes(role))) {
    return refuseCounted(
      state,
      `none of roles ${roles.join(', ')}`,
      new ToolgateError('forbidden', `${tool.name} needs one of the roles: ${roles.join(', ')}.`),
    );
  }
  state.checks.push(`scopes ${tool.scopes.join(', ')} granted${roles.length ? `; role ok` : ''}`);
}
