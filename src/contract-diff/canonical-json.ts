/**
 * Byte-stable JSON: object keys sorted recursively (arrays keep their order), two-space indent,
 * trailing newline. The snapshot is committed and reviewed, so the same contract must always
 * produce the same bytes whatever order a config or zod happened to emit keys in.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** Equal as JSON, whatever the key order: a config and a committed file may list keys differently. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // Null prototype: a key named `__proto__` stays an ordinary key instead of changing the prototype.
  const out = Object.create(null) as Record<string, unknown>;
  // Plain code-unit order, not localeCompare: the result must not depend on the machine's locale.
  for (const key of Object.keys(value).sort()) {
    const child = (value as Record<string, unknown>)[key];
    if (child !== undefined) out[key] = sortKeys(child);
  }
  return out;
}
