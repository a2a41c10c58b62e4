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
  // The gateway refuses unknown arguments at any depth (a smuggled `path` or `sql`,
  // validate-input.ts), so the schema says so for every object with named fields too.
  return closeObjects(toSchema(schema, 'input')) as Record<string, unknown>;
}

/** `additionalProperties: false` on every object schema that names its properties and says nothing else. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = closeObjects(value);
  if (out.type === 'object' && 'properties' in out && !('additionalProperties' in out))
    out.additionalProperties = false;
  return out;
}

export function deriveOutputSchema(schema: z.ZodType): Record<string, unknown> {
  const json = toSchema(schema, 'output');
  const properties = (json.properties ?? {}) as Record<string, unknown>;
  if (NOTICES_FIELD in properties) {
    throw new TypeError(`Output field "${NOTICES_FIELD}" is reserved for the gateway; rename it.`);
  }
  return { ...json, properties: { ...properties, [NOTICES_FIELD]: noticesSchema } };
}
