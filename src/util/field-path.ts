import { isRecord } from './is-record.js';
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

// Patterns come from tool definitions, so there are few; every call used to re-parse them.
const parsedPatterns = new Map<string, readonly string[]>();

/** Splits a pattern such as `tickets[].body` into `['tickets', '[]', 'body']`. */
export function parsePattern(pattern: string): readonly string[] {
  let parts = parsedPatterns.get(pattern);
  if (!parts) {
    parts = Object.freeze(splitPattern(pattern));
    if (parsedPatterns.size >= 1_000) parsedPatterns.clear(); // a bound, should patterns ever be dynamic
    parsedPatterns.set(pattern, parts);
  }
  return parts;
}

function splitPattern(pattern: string): string[] {
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
  return pattern.length === path.length && coversPath(pattern, path);
}

/**
 * Whether `path` is at or beneath a field `pattern` names: a declared list, object or record
 * covers every string inside it.
 */
export function coversPath(pattern: readonly string[], path: readonly PathSegment[]): boolean {
  if (pattern.length > path.length) return false;
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
  /** Rewrites object keys too (the path keeps the original key). */
  renameKey?: (key: string) => string,
): unknown {
  const walk = (node: unknown, path: PathSegment[], parent: unknown, converted = false): unknown => {
    if (typeof node === 'string') return visit(node, path, parent);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i], node));
    if (node !== null && typeof node === 'object') {
      // A value that says how it goes to JSON (a Date in a z.any() field) goes as it says, once,
      // as JSON.stringify does: walked as an object, a Date has no keys and reached the model as
      // {} (outside probe).
      const toJSON = (node as { toJSON?: unknown }).toJSON;
      if (!converted && typeof toJSON === 'function') return walk(toJSON.call(node), path, parent, true);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[renameKey ? renameKey(k) : k] = walk(v, [...path, k], node);
      return out;
    }
    return node;
  };
  return walk(value, [], undefined);
}

/**
 * The strings at a parsed pattern — each string there, or each string in an array there — in
 * document order, at most `limit`. Follows the pattern down the value instead of visiting every
 * string in it (the source ids of every call, issue #15); field-path.test.ts holds it equal to
 * filtering `mapStrings`.
 */
export function stringsAt(value: unknown, pattern: readonly string[], limit: number): string[] {
  const found: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (found.length >= limit) return;
    if (depth === pattern.length) {
      if (typeof node === 'string') found.push(node);
      else if (Array.isArray(node)) for (const item of node) if (typeof item === 'string') found.push(item);
      return;
    }
    const segment = pattern[depth] as string;
    // `[]` steps into arrays only; a name into an object's own enumerable key only (what
    // mapStrings visits), so a literal "[]" key or a hidden property is never followed.
    if (segment === '[]') {
      if (Array.isArray(node)) for (const item of node) walk(item, depth + 1);
    } else if (isRecord(node) && Object.prototype.propertyIsEnumerable.call(node, segment)) {
      walk(node[segment], depth + 1);
    }
  };
  walk(value, 0);
  return found.slice(0, limit);
}
