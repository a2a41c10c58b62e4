import { redactValue } from '../../redaction/redact-value.js';
import { toolOf, type CallState } from '../state.js';

/**
 * Masks PII patterns outside the fields the output contract allows, and every credential value
 * the gateway holds everywhere, whatever the handler returned (R15).
 */
export function redact(state: CallState): void {
  const tool = toolOf(state);
  const redacted = redactValue(state.output, { allow: tool.allowPii ?? [], maskSecrets: state.runtime.maskSecrets });
  state.output = redacted.value;
  const total = Object.values(redacted.hits).reduce((a, b) => a + b, 0);
  if (total > 0)
    state.checks.push(
      `redacted ${Object.entries(redacted.hits)
        .map(([k, n]) => `${k}×${n}`)
        .join(', ')}`,
    );
}
