import { z } from 'zod';
import { ToolgateError } from '../../errors/toolgate-error.js';
import { byteLength } from '../../util/size.js';
import { formatPath } from '../../util/field-path.js';
import { toolOf, type CallState } from '../state.js';

/**
 * Checks the arguments against the tool's input schema and names the first field at fault, so
 * the model can correct itself. Unknown fields are refused rather than dropped: a smuggled `path`
 * or `sql` argument should be visible, not silently ignored.
 */
export function validateInput(state: CallState): void {
  const tool = toolOf(state);
  const args = state.request.args ?? {};
  const { maxInputBytes } = state.runtime.limitsOf(tool);

  const size = safeSize(args);
  if (size > maxInputBytes) {
    throw new ToolgateError('invalid_input', `Arguments are ${size} bytes; ${tool.name} accepts at most ${maxInputBytes}.`);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    throw new ToolgateError('invalid_input', 'Arguments must be a JSON object.');
  }
  const known = new Set(Object.keys((tool.input as z.ZodObject).shape));
  const unknown = Object.keys(args).find((key) => !known.has(key));
  if (unknown !== undefined) {
    const field = unknown.slice(0, 64);
    throw new ToolgateError('invalid_input', `${field}: not a parameter of ${tool.name}.`, { field });
  }
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? formatPath(issue.path.filter((p: PropertyKey): p is string | number => typeof p !== 'symbol')) : '';
    const message = issue ? issue.message : 'invalid arguments';
    throw new ToolgateError('invalid_input', field ? `${field}: ${message}` : message, field ? { field } : {});
  }
  state.input = parsed.data;
}

function safeSize(value: unknown): number {
  try {
    return byteLength(JSON.stringify(value) ?? '');
  } catch {
    // Cycles or BigInt cannot come over the wire; treat them as oversized rather than crash.
    return Number.POSITIVE_INFINITY;
  }
}
