import { z } from 'zod';
import { ToolgateError } from '../../errors/toolgate-error.js';
import { boundText, byteLength } from '../../util/size.js';
import { formatPath } from '../../util/field-path.js';
import { isRecord } from '../../util/is-record.js';
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

  const depth = nestingDepth(args, MAX_DEPTH);
  if (depth > MAX_DEPTH) {
    throw new ToolgateError('invalid_input', `Arguments nest deeper than ${MAX_DEPTH} levels; send a flatter object.`);
  }
  const size = safeSize(args);
  if (size === null) throw new ToolgateError('invalid_input', 'Arguments are not plain JSON (a cycle or a BigInt).');
  if (size > maxInputBytes) {
    throw new ToolgateError(
      'invalid_input',
      `Arguments are ${size} bytes; ${tool.name} accepts at most ${maxInputBytes}.`,
    );
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
    const field = issue
      ? formatPath(issue.path.filter((p: PropertyKey): p is string | number => typeof p !== 'symbol'))
      : '';
    // zod names every option of an enum it refused: a 1,500-value enum sent 21 KB back to the
    // model, ten times the tool's own result budget (outside probe).
    const message = issue ? boundText(issue.message, MAX_MESSAGE_CHARS) : 'invalid arguments';
    throw new ToolgateError('invalid_input', field ? `${field}: ${message}` : message, field ? { field } : {});
  }
  // Nested objects too: zod drops keys it does not know at every level, so `{ filter: { status,
  // sql } }` reached the handler as `{ filter: { status } }` with no word to the caller.
  const dropped = droppedKey(args, parsed.data, []);
  if (dropped !== null) {
    const field = formatPath(dropped).slice(0, 128);
    throw new ToolgateError('invalid_input', `${field}: not a parameter of ${tool.name}.`, { field });
  }
  state.input = parsed.data;
}

/** The path of the first key in `given` that parsing left out of `kept`, or null. */
function droppedKey(given: unknown, kept: unknown, path: (string | number)[]): (string | number)[] | null {
  if (Array.isArray(given) && Array.isArray(kept)) {
    for (let i = 0; i < Math.min(given.length, kept.length); i++) {
      const found = droppedKey(given[i], kept[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (!isRecord(given) || !isRecord(kept)) return null; // a transform made something else: not ours to judge
  for (const [key, value] of Object.entries(given)) {
    if (!Object.prototype.hasOwnProperty.call(kept, key)) return [...path, key];
    const found = droppedKey(value, kept[key], [...path, key]);
    if (found) return found;
  }
  return null;
}

/** Longest refusal message read from the schema; a tool's own result budget is often 2 KB. */
const MAX_MESSAGE_CHARS = 300;

/** Deeper than any task-shaped tool needs, shallow enough that nothing recurses dangerously. */
const MAX_DEPTH = 32;

function safeSize(value: unknown): number | null {
  try {
    return byteLength(JSON.stringify(value) ?? '');
  } catch {
    return null; // cycles or BigInt cannot come over the wire
  }
}

/** How deep `value` nests, counted without recursion and giving up just past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > limit) return depth + 1;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
