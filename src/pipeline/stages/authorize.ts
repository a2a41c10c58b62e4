import { ToolgateError } from '../../errors/toolgate-error.js';
import { deny, toolOf, type CallState } from '../state.js';

/** Scopes (all required) and roles (any one of them), checked before anything runs. */
export function authorize(state: CallState): void {
  const tool = toolOf(state);
  const { principal } = state.request;
  const missing = tool.scopes.filter((scope) => !principal.scopes.includes(scope));
  if (missing.length > 0) {
    throw deny(
      state,
      `missing scope ${missing.join(', ')}`,
      new ToolgateError('forbidden', `This caller lacks the scope ${missing.join(', ')} needed for ${tool.name}.`),
    );
  }
  const roles = tool.roles ?? [];
  if (roles.length > 0 && !roles.some((role) => principal.roles.includes(role))) {
    throw deny(
      state,
      `none of roles ${roles.join(', ')}`,
      new ToolgateError('forbidden', `${tool.name} needs one of the roles: ${roles.join(', ')}.`),
    );
  }
  state.checks.push(`scopes ${tool.scopes.join(', ')} granted${roles.length ? `; role ok` : ''}`);
}
