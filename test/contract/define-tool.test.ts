import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCursorCodec } from '../../src/contract/cursor.js';
import { defineTool } from '../../src/contract/define-tool.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';

const base = {
  description: 'Return a compact billing summary for one customer.',
  input: z.object({ customer_id: z.string().describe('Customer id') }),
  output: z.object({ status: z.string() }),
  scopes: ['billing:read'],
  tenant: 'caller' as const,
  handler: () => ({ status: 'ok' }),
};

describe('defineTool', () => {
  it('derives JSON Schema 2020-12 for input and output, with the notices envelope', () => {
    const tool = defineTool({ name: 'get_billing_status', ...base });
    expect(tool.inputJsonSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { customer_id: { type: 'string', description: 'Customer id' } },
      required: ['customer_id'],
      additionalProperties: false,
    });
    expect(Object.keys(tool.outputJsonSchema.properties as object)).toEqual(['status', 'notices']);
    expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  });

  it.each(['getBilling', 'billing', 'get-billing', 'Get_billing', `get_${'x'.repeat(70)}`])(
    'rejects the name %s',
    (name) => {
      expect(() => defineTool({ name, ...base })).toThrow(/verb_noun|longer than/);
    },
  );

  it('rejects tools without scopes, non-object schemas, reserved output fields and bad paths', () => {
    expect(() => defineTool({ name: 'get_x_y', ...base, scopes: [] })).toThrow(/scope/);
    expect(() => defineTool({ name: 'get_x_y', ...base, input: z.string() as never })).toThrow(/z\.object/);
    expect(() =>
      defineTool({
        name: 'get_x_y',
        ...base,
        output: z.object({ notices: z.string() }),
        handler: () => ({ notices: 'x' }),
      }),
    ).toThrow(/reserved/);
    expect(() => defineTool({ name: 'get_x_y', ...base, untrusted: [{ field: 'a..b[', kind: 'note' }] })).toThrow(
      /Invalid field path/,
    );
    expect(() => defineTool({ name: 'get_x_y', ...base, limits: { timeoutMs: -1 } })).toThrow(/positive/);
    expect(() => defineTool({ name: 'get_x_y', ...base, tenant: {} as never })).toThrow(/ownerOf/);
  });
});

describe('defineTool input schemas say what the gateway takes', () => {
  it('lists the arguments as closed even when the object is loose (extra arguments are refused)', () => {
    for (const input of [z.looseObject({ id: z.string() }), z.object({ id: z.string() }).catchall(z.number())]) {
      const tool = defineTool({ ...base, name: 'get_thing', input });
      expect(tool.inputJsonSchema.additionalProperties).toBe(false);
    }
    // Nested loose objects keep extra keys, and the gateway passes them: listed as open.
    const nested = defineTool({
      ...base,
      name: 'get_thing',
      input: z.object({ filter: z.looseObject({ a: z.string() }) }),
    });
    expect(
      (nested.inputJsonSchema.properties as Record<string, { additionalProperties: unknown }>).filter!
        .additionalProperties,
    ).toEqual({});
  });
});

describe('defineTool with a type JSON Schema cannot describe', () => {
  // zod's "Date cannot be represented in JSON Schema" named neither the tool nor the field (outside probe).
  it.each([
    [
      'input',
      z.object({ filter: z.object({ since: z.date() }) }),
      z.object({ ok: z.boolean() }),
      'input schema field "filter.since": Date',
    ],
    ['input', z.object({ n: z.bigint() }), z.object({ ok: z.boolean() }), 'input schema field "n": BigInt'],
    ['output', z.object({}), z.object({ n: z.string().transform(Number) }), 'output schema field "n": Transforms'],
  ])('names the tool, the %s side and the field', (_, input, output, said) => {
    expect(() =>
      defineTool({ ...base, name: 'get_thing', input, output, handler: () => ({}) } as unknown as Parameters<
        typeof defineTool
      >[0]),
    ).toThrow(`Tool get_thing: ${said} cannot be represented in JSON Schema. Clients are sent JSON Schema`);
  });
});

describe('cursor codec', () => {
  const codec = createCursorCodec(Buffer.alloc(32, 7), 'list_invoices');
  it('round-trips a position', () => {
    expect(codec.decode(codec.encode({ offset: 20 }))).toEqual({ offset: 20 });
  });
  it('refuses a forged, altered or foreign cursor with invalid_input', () => {
    const good = codec.encode({ offset: 20 });
    const forged = `${Buffer.from('{"offset":0,"tenant":"other"}').toString('base64url')}.${good.split('.')[1]}`;
    const foreign = createCursorCodec(Buffer.alloc(32, 7), 'other_tool').encode({ offset: 20 });
    for (const bad of [forged, foreign, 'garbage', `${good}.x`, '']) {
      expect(() => codec.decode(bad)).toThrow(ToolgateError);
    }
  });
});
