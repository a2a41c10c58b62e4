import { guardUntrusted } from '../../guard/guard-untrusted.js';
import { toolOf, type CallState } from '../state.js';

/**
 * Prompt-injection boundary (R5): declared untrusted fields come back wrapped and labelled with
 * their source, hidden Unicode is removed everywhere, instruction-like text is flagged.
 */
export function untrustedGuard(state: CallState): void {
  const tool = toolOf(state);
  const { maxUntrustedChars } = state.runtime.limitsOf(tool);
  const guarded = guardUntrusted(state.output, tool.untrusted ?? [], { maxChars: maxUntrustedChars });
  state.output = guarded.value;
  state.warnings.push(...guarded.warnings);
}
