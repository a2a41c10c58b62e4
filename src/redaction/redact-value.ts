import { matchesPattern, parsePattern, type PathSegment } from '../util/field-path.js';
import { redactText } from './patterns.js';
import type { SecretMasker } from './secrets.js';

/**
 * Redacts a whole result: credential values are masked everywhere (keys included, allowed fields
 * included); PII patterns are masked everywhere except fields the output contract allows.
 * Never mutates its input and never throws on JSON-like values.
 */
export function redactValue(
  value: unknown,
  options: { readonly allow: readonly string[]; readonly maskSecrets: SecretMasker },
): { value: unknown; hits: Record<string, number> } {
  const allowed = options.allow.map(parsePattern);
  const hits: Record<string, number> = {};
  const count = (found: Record<string, number>) => {
    for (const [k, n] of Object.entries(found)) hits[k] = (hits[k] ?? 0) + n;
  };
  const clean = (text: string, path: readonly PathSegment[] | null): string => {
    const secretFree = options.maskSecrets(text);
    if (secretFree.hits) count({ credential: secretFree.hits });
    if (path && allowed.some((p) => matchesPattern(p, path))) return secretFree.text;
    const redacted = redactText(secretFree.text);
    count(redacted.hits);
    return redacted.text;
  };
  // Paths are only needed to match allowed fields; most tools allow none, so skip building them.
  const tracked = allowed.length > 0;
  const walk = (node: unknown, path: PathSegment[] | null): unknown => {
    if (typeof node === 'string') return clean(node, path);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, path && [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const k in node) {
        if (!Object.hasOwn(node, k)) continue;
        out[clean(k, null)] = walk((node as Record<string, unknown>)[k], path && [...path, k]);
      }
      return out;
    }
    return node;
  };
  return { value: walk(value, tracked ? [] : null), hits };
}
