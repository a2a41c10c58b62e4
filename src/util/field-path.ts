/**
 * Field paths name places in a tool's output: `customer.email`, `tickets[].body`.
 * `[]` stands for "every element of this array". Guard, redaction and budget use the
 * same syntax so a tool author learns it once.
 */
export type PathSegment = string | number;

/** Renders a concrete path (`['tickets', 3, 'body']`) the way errors and warnings show it: `tickets[3].body`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Splits a pattern such as `tickets[].body` into `['tickets', '[]', 'body']`. */
export function parsePattern(pattern: string): string[] {
  const parts: string[] = [];
  for (const piece of pattern.split('.')) {
    const m = /^([^[\]]*)((?:\[\])*)$/.exec(piece);
    if (!m) throw new Error(`Invalid field path "${pattern}": use dots and [] only, e.g. "tickets[].body".`);
    if (m[1]) parts.push(m[1]);
    for (let i = 0; i < (m[2]?.length ?? 0) / 2; i++) parts.push('[]');
  }
  if (parts.length === 0) throw new Error(`Invalid field path "${pattern}": it is empty.`);
  return parts;
}

/** True when a concrete path matches a parsed pattern exactly (no prefix matching). */
export function matchesPattern(pattern: readonly string[], path: readonly PathSegment[]): boolean {
  if (pattern.length !== path.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    const s = path[i];
    if (p === '[]' ? typeof s !== 'number' : p !== s) return false;
  }
  return true;
}

/**
 * Visits every string leaf of a JSON-like value and replaces it with what `visit` returns.
 * Returns a new value; the input is never mutated (handlers may return shared objects).
 * `parent` is the object or array holding the string, so callers can read sibling fields.
 */
export function mapStrings(
  value: unknown,
  visit: (text: string, path: readonly PathSegment[], parent: unknown) => string,
): unknown {
  const walk = (node: unknown, path: PathSegment[], parent: unknown): unknown => {
    if (typeof node === 'string') return visit(node, path, parent);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i], node));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...path, k], node);
      return out;
    }
    return node;
  };
  return walk(value, [], undefined);
}
