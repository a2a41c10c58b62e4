import { fitToBudget } from '../../budget/fit-to-budget.js';
import { NOTICES_FIELD } from '../../contract/json-schema.js';
import { ToolgateError } from '../../errors/toolgate-error.js';
import type { Cut } from '../../budget/fit-to-budget.js';
import { budgetBytes } from '../../budget/result-budget.js';
import { byteLength } from '../../util/size.js';
import { toolOf, type CallState } from '../state.js';

/**
 * Keeps every result inside the tool's budget (bytes and estimated tokens, the tighter wins).
 * It runs after guard and redaction so it measures exactly what leaves the gateway. Cuts are
 * never silent: they are listed in `notices.truncated` with a hint on how to narrow the query.
 */
export const NARROW_HINT =
  'Result cut to fit the output budget. Narrow the query (filters, a shorter time ' +
  'window, a smaller limit) or page with next_cursor.';

export function outputBudget(state: CallState): void {
  const tool = toolOf(state);
  const limits = state.runtime.limitsOf(tool);
  const maxBytes = budgetBytes(limits);
  const noticesBytes = (cuts: readonly Cut[]) => byteLength(JSON.stringify(noticesOf(state, cuts) ?? {})) + 16;
  const fitted = fitToBudget(state.output, maxBytes, noticesBytes);
  if (!fitted.fits) {
    // Nothing left to cut (a record of many short fields, say): the caller can still narrow it.
    throw new ToolgateError(
      'result_too_large',
      `The result of ${tool.name} does not fit its output budget even when cut; narrow the query.`,
      { detail: `result still over ${maxBytes} bytes after truncation` },
    );
  }
  state.output = fitted.value;
  if (fitted.json !== undefined) state.outputJson = { of: fitted.value, text: fitted.json };
  state.truncated.push(...fitted.cuts);
  if (fitted.cuts.length > 0) state.checks.push(`truncated to ${maxBytes} bytes`);
}

/** The `notices` envelope for a result, or undefined when there is nothing to say. */
export function noticesOf(
  state: CallState,
  cuts: readonly Cut[] = state.truncated,
): Record<string, unknown> | undefined {
  const warnings = state.warnings.slice(0, 20);
  if (warnings.length === 0 && cuts.length === 0) return undefined;
  return {
    ...(warnings.length ? { warnings } : {}),
    ...(cuts.length ? { truncated: cuts, hint: NARROW_HINT } : {}),
  };
}

export function withNotices(state: CallState): Record<string, unknown> {
  const notices = noticesOf(state);
  const output = state.output as Record<string, unknown>;
  return notices ? { ...output, [NOTICES_FIELD]: notices } : output;
}
