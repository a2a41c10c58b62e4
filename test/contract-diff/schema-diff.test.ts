import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { diffContracts } from '../../src/contract-diff/diff.js';
import { diffSchema } from '../../src/contract-diff/schema-diff.js';
import { snapshotOf } from '../../src/contract-diff/snapshot.js';

/** Two versions of one tool, defined with zod as a config would: the diff sees the JSON Schemas zod derives. */
function diffTools(input: [z.ZodObject, z.ZodObject], output: [z.ZodObject, z.ZodObject]) {
  const tool = (i: z.ZodObject, o: z.ZodObject) =>
    defineTool({
      name: 'get_thing',
      description: 'Return one thing of the caller tenant.',
      input: i,
      output: o,
      scopes: ['things:read'],
      tenant: 'caller',
      handler: () => ({}),
    });
  const before = snapshotOf({ tools: [tool(input[0], output[0])] });
  const after = snapshotOf({ tools: [tool(input[1], output[1])] });
  return diffContracts(before, after).map(({ severity, path, kind }) => ({ severity, path, kind }));
}

const same = z.object({ id: z.string() });

describe('schema diff over zod-derived schemas', () => {
  it('string → nullable string: safe on input, breaking on output', () => {
    const before = z.object({ id: z.string().describe('Thing id') });
    const after = z.object({ id: z.string().describe('Thing id').nullable() });
    expect(diffTools([before, after], [same, same])).toEqual([
      { severity: 'safe', path: 'tools.get_thing.input.properties.id.anyOf[1]', kind: 'input-widened' },
    ]);
    expect(diffTools([same, same], [before, after])).toEqual([
      { severity: 'breaking', path: 'tools.get_thing.output.properties.id.anyOf[1]', kind: 'output-widened' },
    ]);
  });

  it('an input default that changes is breaking (calls that leave it out act differently); a description is safe', () => {
    // A flipped `dry_run` default was called safe and passed CI (outside probe).
    const before = z.object({ id: z.string(), dry_run: z.boolean().default(true).describe('Only show the effect') });
    const after = z.object({ id: z.string(), dry_run: z.boolean().default(false).describe('Only show the effect') });
    expect(diffTools([before, after], [same, same])).toEqual([
      { severity: 'breaking', path: 'tools.get_thing.input.properties.dry_run.default', kind: 'default-changed' },
    ]);
    const reworded = z.object({ id: z.string(), dry_run: z.boolean().default(true).describe('Preview only') });
    expect(diffTools([before, reworded], [same, same])).toEqual([
      { severity: 'safe', path: 'tools.get_thing.input.properties.dry_run.description', kind: 'description-changed' },
    ]);
  });

  it('a nested object field made nullable and given a new optional field: each reported where it happens', () => {
    const before = z.object({ customer: z.object({ id: z.string() }) });
    const after = z.object({ customer: z.object({ id: z.string(), tier: z.string().optional() }).nullable() });
    expect(diffTools([before, after], [same, same])).toEqual([
      {
        severity: 'safe',
        path: 'tools.get_thing.input.properties.customer.anyOf[0].properties.tier',
        kind: 'optional-input-added',
      },
      { severity: 'safe', path: 'tools.get_thing.input.properties.customer.anyOf[1]', kind: 'input-widened' },
    ]);
  });

  it('a union losing an option is breaking on input; a record whose values widen is breaking on output', () => {
    const inBefore = z.object({ key: z.union([z.string(), z.number()]) });
    const inAfter = z.object({ key: z.string() });
    const outBefore = z.object({ counts: z.record(z.string(), z.number().int()) });
    const outAfter = z.object({ counts: z.record(z.string(), z.number()) });
    expect(diffTools([inBefore, inAfter], [outBefore, outAfter])).toEqual([
      { severity: 'breaking', path: 'tools.get_thing.input.properties.key.type', kind: 'input-narrowed' },
      // zod writes the integer bounds of .int(); dropping them is the same widening, seen per keyword.
      {
        severity: 'breaking',
        path: 'tools.get_thing.output.properties.counts.additionalProperties.maximum',
        kind: 'output-widened',
      },
      {
        severity: 'breaking',
        path: 'tools.get_thing.output.properties.counts.additionalProperties.minimum',
        kind: 'output-widened',
      },
      {
        severity: 'breaking',
        path: 'tools.get_thing.output.properties.counts.additionalProperties.type',
        kind: 'output-widened',
      },
    ]);
  });

  it('tuple members are compared position by position', () => {
    const before = z.object({ pair: z.tuple([z.string(), z.number()]) });
    const after = z.object({ pair: z.tuple([z.string().max(5), z.number()]) });
    expect(diffTools([before, after], [same, same])).toEqual([
      {
        severity: 'breaking',
        path: 'tools.get_thing.input.properties.pair.prefixItems[0].maxLength',
        kind: 'input-narrowed',
      },
    ]);
  });

  it('switching anyOf and oneOf, which the diff does not model, is breaking', () => {
    const a = z.object({ v: z.union([z.object({ k: z.literal('a') }), z.object({ k: z.literal('b') })]) });
    const b = z.object({
      v: z.discriminatedUnion('k', [z.object({ k: z.literal('a') }), z.object({ k: z.literal('b') })]),
    });
    expect(diffTools([a, b], [same, same])).toContainEqual({
      severity: 'breaking',
      path: 'tools.get_thing.input.properties.v.oneOf',
      kind: 'unclassified',
    });
  });

  it('union options pair with their closest counterpart, one to one', () => {
    const option = (name: string, maxLength: number) => ({
      type: 'object',
      properties: { [name]: { type: 'string', maxLength } },
      required: [name],
    });
    const before = { anyOf: [option('email', 50), option('phone', 20), { type: 'null' }, { type: 'null' }] };
    const after = { anyOf: [option('email', 50), option('phone', 30), { type: 'null' }, { type: 'null' }] };
    expect(diffSchema('t', 'input', 'input', before, after)).toEqual([
      {
        severity: 'safe',
        tool: 't',
        path: 'input.anyOf[1].properties.phone.maxLength',
        kind: 'input-widened',
        reason: 'maxLength raised from 20 to 30: more calls are accepted',
      },
    ]);
  });
});
