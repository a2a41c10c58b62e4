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
  let json: Record<string, unknown>;
  try {
    json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw' }) as Record<string, unknown>;
  } catch (error) {
    // zod says "Date cannot be represented in JSON Schema" and no more: in a config of a dozen
    // tools that meant bisecting (outside probe). The field is found by trying each one.
    const field = unrepresentableField(schema, io);
    throw new TypeError(
      `${io} schema${field ? ` field "${field}"` : ''}: ${(error as Error).message}. Clients are sent JSON Schema, so ` +
        `use what JSON can carry: z.iso.datetime() or a z.codec for dates, strings for big integers` +
        (io === 'output' ? ', and no transforms on outputs.' : '.'),
      { cause: error },
    );
  }
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
  const closed = closeObjects(toSchema(schema, 'input')) as Record<string, unknown>;
  // The arguments themselves take no name the schema does not list, whatever the object says:
  // a top-level z.looseObject was listed as open and every extra key was refused (outside probe).
  return { ...closed, additionalProperties: false };
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

/**
 * Keywords of an output schema the gateway's own rewriting can break: redaction writes
 * `[REDACTED:email]` into a field declared `format: email`, the untrusted guard wraps a value in
 * `<untrusted_content …>` past its `maxLength` or `pattern`, the output budget cuts a list below
 * its `minItems` and marks a cut string, and two values redacted alike are no longer unique.
 * Clients that check results against the listed schema (the official MCP client does) refused
 * such answers whole (outside probe).
 */
const REWRITTEN_KEYWORDS = new Set(['format', 'pattern', 'minLength', 'maxLength', 'minItems', 'uniqueItems']);
/** These map names to schemas: a field (or a definition) may be called "format" or "pattern". */
const NAMED_SCHEMAS = new Set(['properties', '$defs', 'definitions', 'patternProperties', 'dependentSchemas']);
/** These hold values, not schemas: copied as they are. */
const VALUES = new Set(['default', 'examples', 'enum', 'const']);
/** Per schema object, as listed for a tool that fences untrusted text and for one that does not. */
const listed = {
  fenced: new WeakMap<object, Record<string, unknown>>(),
  plain: new WeakMap<object, Record<string, unknown>>(),
};

/**
 * The output schema as clients are shown it: the tool's own (`outputJsonSchema`, which `check`
 * and `contract` read) without the keywords the gateway's rewriting can break. Where the tool
 * fences untrusted text, string `enum`s and `const`s go too: a fenced object's status or kind is
 * wrapped like its free text, and the official client refused the answer (review); `oneOf`
 * becomes `anyOf` then. Made once a tool.
 */
export function listedOutputSchema(tool: {
  readonly outputJsonSchema: Readonly<Record<string, unknown>>;
  readonly untrusted?: readonly unknown[] | undefined;
}): Record<string, unknown> {
  // Keyed by the flag too: a copy of a tool (`{ ...tool, untrusted }`) shares its schema object.
  const fenced = (tool.untrusted?.length ?? 0) > 0;
  const cache = fenced ? listed.fenced : listed.plain;
  let made = cache.get(tool.outputJsonSchema);
  if (!made) {
    made = withoutRewritten(tool.outputJsonSchema, fenced) as Record<string, unknown>;
    cache.set(tool.outputJsonSchema, made);
  }
  return made;
}

function withoutRewritten(node: unknown, fenced: boolean): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutRewritten(item, fenced));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (REWRITTEN_KEYWORDS.has(key)) continue;
    if (fenced && (key === 'enum' || key === 'const') && onlyStrings(value)) continue;
    // Without their constants, the branches of a discriminated union (`oneOf`, one and only one
    // must match) all match: any of them will do (the client refused every such answer; review).
    if (fenced && key === 'oneOf' && !('anyOf' in node)) out.anyOf = withoutRewritten(value, fenced);
    else if (VALUES.has(key)) out[key] = value;
    else if (NAMED_SCHEMAS.has(key) && value !== null && typeof value === 'object')
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, field]) => [name, withoutRewritten(field, fenced)]),
      );
    else out[key] = withoutRewritten(value, fenced);
  }
  return out;
}

const onlyStrings = (value: unknown) =>
  typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));

/** The path of the first field of an object schema JSON Schema cannot describe, if one can be named. */
function unrepresentableField(schema: z.ZodType, io: 'input' | 'output', path = ''): string | null {
  if (!(schema instanceof z.ZodObject)) return null;
  for (const [name, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const at = path ? `${path}.${name}` : name;
    try {
      z.toJSONSchema(child, { io, unrepresentable: 'throw' });
    } catch {
      return unrepresentableField(child, io, at) ?? at;
    }
  }
  return null;
}
