import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPath, mapStrings, matchesPattern, parsePattern, stringsAt } from '../../src/util/field-path.js';

// Issue #15: the source ids of every call are found by following the pattern down the output
// (stringsAt) instead of visiting every string in it. The reference is the old way: every string
// whose path matches the pattern, or whose parent's path does when it is an array item.
function reference(value: unknown, pattern: readonly string[], limit: number): string[] {
  const found: string[] = [];
  mapStrings(value, (text, path) => {
    const arrayItem = path.length === pattern.length + 1 && typeof path[path.length - 1] === 'number';
    if (matchesPattern(pattern, path) || (arrayItem && matchesPattern(pattern, path.slice(0, -1)))) found.push(text);
    return text;
  });
  return found.slice(0, limit);
}

const keys = fc.constantFrom('id', 'source_records', 'items', 'refs', '[]');
const json = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(keys, tie('node'), { maxKeys: 4 }),
  ),
})).node;
const patterns = fc.constantFrom('source_records', 'items[].id', 'items[].refs', 'refs[][]', 'id', 'items[].refs[].id');

describe('stringsAt', () => {
  it('finds exactly what filtering every string by its path finds, in the same order', () => {
    fc.assert(
      fc.property(json, patterns, fc.integer({ min: 1, max: 5 }), (value, pattern, limit) => {
        const parsed = parsePattern(pattern);
        expect(stringsAt(value, parsed, limit)).toEqual(reference(value, parsed, limit));
      }),
      { numRuns: 2_000 },
    );
  });

  it('takes strings and arrays of strings at the pattern, and nothing from a prototype', () => {
    const output = Object.assign(Object.create({ source_records: ['inherited'] }) as object, {
      items: [{ id: 'a' }, { id: 7 }, { id: ['b', 'c', 3] }],
    });
    expect(stringsAt(output, parsePattern('items[].id'), 100)).toEqual(['a', 'b', 'c']);
    expect(stringsAt(output, parsePattern('source_records'), 100)).toEqual([]);
  });

  it('steps into arrays only at [], and into own enumerable keys only', () => {
    expect(stringsAt({ items: { '[]': { id: 'not an array' } } }, parsePattern('items[].id'), 100)).toEqual([]);
    const hidden = Object.defineProperty({}, 'source_records', { value: ['hidden'], enumerable: false });
    expect(stringsAt(hidden, parsePattern('source_records'), 100)).toEqual([]);
  });
});

describe('mapStrings', () => {
  it('takes a value with toJSON as JSON does (a Date as its ISO time), once, anywhere in the value', () => {
    const at = new Date('2026-12-01T00:00:00.000Z');
    const seen: string[] = [];
    // A toJSON that returns its own object again is taken once, not followed for ever.
    const loops = {
      n: 1,
      toJSON() {
        return this;
      },
    };
    const mapped = mapStrings({ when: at, list: [at], loops }, (text, path) => {
      seen.push(`${formatPath(path)}=${text}`);
      return text;
    });
    expect(JSON.stringify(mapped)).toBe(JSON.stringify({ when: at, list: [at], loops }));
    expect(mapped).toMatchObject({ when: at.toISOString(), list: [at.toISOString()], loops: { n: 1 } });
    expect(seen).toEqual(['when=2026-12-01T00:00:00.000Z', 'list[0]=2026-12-01T00:00:00.000Z']);
  });
});

describe('parsePattern', () => {
  it('returns the same frozen parts for the same pattern, and still refuses a bad one', () => {
    expect(parsePattern('tickets[].body')).toEqual(['tickets', '[]', 'body']);
    expect(parsePattern('tickets[].body')).toBe(parsePattern('tickets[].body'));
    expect(Object.isFrozen(parsePattern('tickets[].body'))).toBe(true);
    expect(() => parsePattern('a..b[x]')).toThrow(/Invalid field path/);
    expect(() => parsePattern('a..b[x]')).toThrow(/Invalid field path/);
  });
});
