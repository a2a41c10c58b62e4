import { z } from 'zod';

/**
 * JSON Schema (draft 2020-12) derived from the zod schemas, so a tool's contract is written once.
 * The published output schema also describes the gateway's `notices` envelope (warnings from the
 * untrusted guard, cuts made by the output budget), which any result may carry.
 */
export const NOTICES_FIELD = 'notices';

const noticesSchema = {
  type: 'object',
  description: 'Added by the gateway: warnings about untrusted content and what was cut to fit the output budget.',
  properties: {
    warnings: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          source: { type: ['string', 'null'] },
          rules: { type: 'array', items: { type: 'string' } },
          message: { type: 'string' },
        },
        required: ['field', 'message'],
      },
    },
    truncated: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          unit: { type: 'string', enum: ['items', 'characters'] },
          kept: { type: 'integer' },
          omitted: { type: 'integer' },
        },
        required: ['field', 'unit', 'kept', 'omitted'],
      },
    },
    hint: { type: 'string' },
  },
} as const;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw' }) as Record<
    string,
    unknown
  >;
  if (json.type !== 'object') {
    throw new TypeError(
      `Tool ${io} schemas must be z.object(...) so clients get named fields (got type ${String(json.type)}).`,
    );
  }
  return json;
}

export function deriveInputSchema(schema: z.ZodType): Record<string, unknown> {
  // The gateway refuses unknown arguments (a smuggled `path` or `sql`), so the schema says so too.
  return { ...toSchema(schema, 'input'), additionalProperties: false };
}

export function deriveOutputSchema(schema: z.ZodType): Record<string, unknown> {
  const json = toSchema(schema, 'output');
  const properties = (json.properties ?? {}) as Record<string, unknown>;
  if (NOTICES_FIELD in properties) {
    throw new TypeError(`Output field "${NOTICES_FIELD}" is reserved for the gateway; rename it.`);
  }
  return { ...json, properties: { ...properties, [NOTICES_FIELD]: noticesSchema } };
}
