import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/contract-diff/canonical-json.js';
import { diffSchema } from '../../src/contract-diff/schema-diff.js';

type Schema = Record<string, unknown>;

// Property names include ones that exist on Object.prototype and ones that need quoting in a path.
const NAMES = ['id', 'status', 'amount', 'note', 'constructor', 'a.b'];

const stringArb = fc.record(
  {
    type: fc.constant('string'),
    minLength: fc.nat(4),
    maxLength: fc.integer({ min: 4, max: 40 }),
    pattern: fc.constantFrom('^[a-z]+$', '^cus_\\w+$'),
    enum: fc.uniqueArray(fc.constantFrom('open', 'pending', 'solved', 'closed'), { minLength: 1 }),
    description: fc.string({ maxLength: 8 }),
  },
  { requiredKeys: ['type'] },
);

const numberArb = fc.record(
  {
    type: fc.constantFrom('integer', 'number'),
    minimum: fc.integer({ min: -5, max: 5 }),
    exclusiveMinimum: fc.integer({ min: -5, max: 5 }),
    maximum: fc.integer({ min: 6, max: 100 }),
  },
  { requiredKeys: ['type'] },
);

/** Random JSON Schemas of the shapes zod emits: typed leaves, arrays, closed objects, nullable unions. */
const schemaArb: fc.Arbitrary<Schema> = fc.letrec<{ node: Schema }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    stringArb,
    numberArb,
    fc.constant({ type: 'boolean' }),
    fc.record(
      { type: fc.constant('array'), items: tie('node'), minItems: fc.nat(3), maxItems: fc.integer({ min: 3, max: 9 }) },
      { requiredKeys: ['type', 'items'] },
    ),
    fc
      .uniqueArray(fc.tuple(fc.constantFrom(...NAMES), tie('node'), fc.boolean()), {
        selector: ([n]) => n,
        maxLength: 4,
      })
      .map((fields) => objectOf(fields)),
    tie('node').map((inner) => ({ anyOf: [inner, { type: 'null' }] })),
  ),
})).node;

function objectOf(fields: [string, Schema, boolean][]): Schema {
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map(([n, s]) => [n, s])),
    required: fields.filter(([, , r]) => r).map(([n]) => n),
    additionalProperties: false,
  };
}

/**
 * Every one-step strict widening of a schema (more values valid, none lost), at the node itself
 * or anywhere below it. Each is a separate arbitrary so fast-check picks among them.
 */
function wideningsOf(s: Schema, nullable = false): fc.Arbitrary<Schema>[] {
  const out: fc.Arbitrary<Schema>[] = [];
  const without = (key: string) => {
    const { [key]: _drop, ...rest } = s;
    return rest;
  };
  const num = (key: string) => s[key] as number;
  if (s.minLength !== undefined && num('minLength') > 0) out.push(fc.constant(without('minLength')));
  if (s.maxLength !== undefined)
    out.push(fc.integer({ min: 1, max: 50 }).map((d) => ({ ...s, maxLength: num('maxLength') + d })));
  if (s.pattern !== undefined) out.push(fc.constant(without('pattern')));
  if (Array.isArray(s.enum)) {
    out.push(fc.constant(without('enum')));
    out.push(fc.constantFrom('escalated', 'archived').map((v) => ({ ...s, enum: [...(s.enum as string[]), v] })));
  }
  // Only when it is the bound that binds: below a tighter exclusiveMinimum, lowering it changes nothing.
  if (s.minimum !== undefined && s.exclusiveMinimum === undefined)
    out.push(fc.integer({ min: 1, max: 9 }).map((d) => ({ ...s, minimum: num('minimum') - d })));
  if (s.exclusiveMinimum !== undefined && s.minimum === undefined)
    out.push(fc.constant({ ...without('exclusiveMinimum'), minimum: num('exclusiveMinimum') }));
  if (s.maximum !== undefined) out.push(fc.constant(without('maximum')));
  if (s.type === 'integer') out.push(fc.constant({ ...s, type: 'number' }));
  // Inside `anyOf: [x, null]` null is accepted already, so adding it to x widens nothing.
  if (typeof s.type === 'string' && s.type !== 'null' && !nullable)
    out.push(fc.constant({ ...s, type: [s.type, 'null'] }));
  if (s.minItems !== undefined && num('minItems') > 0) out.push(fc.constant({ ...s, minItems: num('minItems') - 1 }));
  if (s.maxItems !== undefined) out.push(fc.constant({ ...s, maxItems: num('maxItems') + 1 }));
  if (s.type === 'object') {
    const properties = s.properties as Record<string, Schema>;
    const required = s.required as string[];
    for (const name of required) out.push(fc.constant({ ...s, required: required.filter((r) => r !== name) }));
    out.push(fc.constant(without('additionalProperties')));
    const free = NAMES.find((n) => !Object.hasOwn(properties, n));
    // A new optional field widens only a closed object; on an open one the name was already accepted.
    if (free && s.additionalProperties === false)
      out.push(stringArb.map((p) => ({ ...s, properties: { ...properties, [free]: p } })));
    for (const [name, child] of Object.entries(properties))
      for (const w of wideningsOf(child)) out.push(w.map((c) => ({ ...s, properties: { ...properties, [name]: c } })));
  }
  if (s.items !== undefined)
    for (const w of wideningsOf(s.items as Schema)) out.push(w.map((c) => ({ ...s, items: c })));
  if (Array.isArray(s.anyOf)) {
    const [first, ...rest] = s.anyOf as Schema[];
    for (const w of wideningsOf(first!, true)) out.push(w.map((c) => ({ ...s, anyOf: [c, ...rest] })));
  }
  return out;
}

/** A schema and a strictly wider one, after one to three widening steps. */
const widenedPairArb = schemaArb
  .filter((s) => wideningsOf(s).length > 0)
  .chain((s) =>
    fc.integer({ min: 1, max: 3 }).chain((steps) => {
      let arb: fc.Arbitrary<Schema> = fc.oneof(...wideningsOf(s));
      for (let i = 1; i < steps; i++)
        arb = arb.chain((w) => (wideningsOf(w).length ? fc.oneof(...wideningsOf(w)) : fc.constant(w)));
      return arb.map((w) => [s, w] as const);
    }),
  );

/** The same JSON with object keys in another order (rotated by `seed`, then reversed). */
const shuffled = (value: unknown, seed: number): unknown => {
  if (Array.isArray(value)) return value.map((v) => shuffled(v, seed));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const rotated = entries.slice(seed % (entries.length || 1)).concat(entries.slice(0, seed % (entries.length || 1)));
  return Object.fromEntries(rotated.reverse().map(([k, v]) => [k, shuffled(v, seed + 1)]));
};

const input = (a: Schema, b: Schema) => diffSchema('t', 'input', 'input', a, b);
const breaking = (changes: { severity: string }[]) => changes.filter((c) => c.severity === 'breaking');

describe('schema diff properties', () => {
  it('a strict widening of an input schema is never breaking, and is reported', () => {
    fc.assert(
      fc.property(widenedPairArb, ([before, after]) => {
        const changes = input(before, after);
        expect(breaking(changes)).toEqual([]);
        expect(changes.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('the same edit run backwards (a strict narrowing) is always breaking for input', () => {
    fc.assert(
      fc.property(widenedPairArb, ([before, after]) => {
        expect(breaking(input(after, before)).length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('removing a required input field is always breaking, at that field', () => {
    const objectWithRequired = fc
      .uniqueArray(fc.tuple(fc.constantFrom(...NAMES), schemaArb, fc.boolean()), {
        selector: ([n]) => n,
        minLength: 1,
        maxLength: 4,
      })
      .map(([first, ...rest]) => ({ name: first![0], schema: objectOf([[first![0], first![1], true], ...rest]) }));
    fc.assert(
      fc.property(objectWithRequired, fc.boolean(), ({ name, schema }, closed) => {
        const before = closed ? schema : { ...schema, additionalProperties: undefined };
        const properties = { ...(before.properties as Record<string, Schema>) };
        delete properties[name];
        const after = { ...before, properties, required: (before.required as string[]).filter((r) => r !== name) };
        const path = name === 'a.b' ? 'input.properties["a.b"]' : `input.properties.${name}`;
        expect(breaking(input(before, after))).toContainEqual(
          expect.objectContaining({ kind: 'input-field-removed', path }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('identical schemas give no changes, in either direction and in any key order', () => {
    fc.assert(
      fc.property(schemaArb, (schema) => {
        const copy = structuredClone(schema);
        expect(input(schema, copy)).toEqual([]);
        expect(diffSchema('t', 'output', 'output', schema, copy)).toEqual([]);
        // Key order is not meaning: the committed file has sorted keys, a fresh zod schema may not.
        expect(input(schema, shuffled(schema, 3) as Schema)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('canonical JSON is the same bytes whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(10), (value, seed) => {
        expect(canonicalJson(shuffled(value, seed))).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });
});
