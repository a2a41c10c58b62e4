import { formatPath, type PathSegment } from './field-path.js';

/** Deeper than this, a value is reported as too deep: the walks that follow it would overflow. */
const MAX_DEPTH = 1_000;

/**
 * What in `value` JSON cannot carry, and where: a reference back to an enclosing object, a BigInt,
 * or nesting too deep to walk; null when there is nothing. It explains, after the fact, a call
 * that failed with a bare "Converting circular structure", "serialize a BigInt" or "Maximum call
 * stack size exceeded" from a later stage; it is not run on calls that succeed (outside probe:
 * such a failure logged only the stage's error, naming neither the field nor what was wrong).
 * It walks as JSON.stringify does: through toJSON, skipping functions, symbols and undefined.
 */
export function jsonTroubleOf(value: unknown): string | null {
  const pending: Array<{ node: unknown; path: PathSegment[]; enclosing: readonly object[] }> = [
    { node: value, path: [], enclosing: [] },
  ];
  while (pending.length > 0) {
    const { node: raw, path, enclosing } = pending.pop()!;
    const node = asJson(raw);
    const where = `"${formatPath(path) || '(the result itself)'}"`;
    if (typeof node === 'bigint') return `a BigInt at ${where} (return it as a string or a number)`;
    if (node === null || typeof node !== 'object') continue;
    if (enclosing.includes(node)) return `a reference back to an enclosing object at ${where} (a circular structure)`;
    if (path.length >= MAX_DEPTH) return `nesting deeper than ${MAX_DEPTH} levels at ${where}`;
    const inside = [...enclosing, node];
    const members: Array<[PathSegment, unknown]> = Array.isArray(node)
      ? node.map((item, i) => [i, item])
      : Object.entries(node);
    // Reversed so the first member is looked at first, as JSON.stringify would meet it.
    for (let i = members.length - 1; i >= 0; i--) {
      const [key, member] = members[i]!;
      pending.push({ node: member, path: [...path, key], enclosing: inside });
    }
  }
  return null;
}

/** The value JSON.stringify writes in place of `node`: what its toJSON returns, if it has one. */
function asJson(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  const toJSON = (node as { toJSON?: unknown }).toJSON;
  return typeof toJSON === 'function' ? (toJSON as () => unknown).call(node) : node;
}
