import { parsePattern } from '../util/field-path.js';
/**
 * Small helpers over the derived JSON Schemas: the gates read the same schema a client sees,
 * so what `check` judges is exactly what Claude is offered.
 */
export type JsonSchema = Record<string, unknown>;

export interface Field {
  readonly path: string;
  readonly name: string;
  readonly schema: JsonSchema;
}

/** Every property at any depth (following $ref into $defs), with a dotted path. */
export function fieldsOf(root: JsonSchema): Field[] {
  const defs = (root.$defs ?? {}) as Record<string, JsonSchema>;
  const out: Field[] = [];
  const seen = new Set<JsonSchema>();
  const visit = (schema: JsonSchema, path: string) => {
    const resolved = resolve(schema, defs);
    if (seen.has(resolved)) return;
    seen.add(resolved);
    for (const [name, child] of Object.entries((resolved.properties ?? {}) as Record<string, JsonSchema>)) {
      const childPath = path ? `${path}.${name}` : name;
      out.push({ path: childPath, name, schema: resolve(child, defs) });
      visit(child, childPath);
    }
    const items = resolved.items as JsonSchema | boolean | undefined;
    if (items && typeof items === 'object') visit(items, `${path}[]`);
    for (const member of (resolved.prefixItems ?? []) as JsonSchema[]) visit(member, `${path}[]`);
    // A record's values, under `name.*`: a record of objects with a `body` was not looked into (review).
    const values = resolved.additionalProperties;
    if (values && typeof values === 'object') visit(values as JsonSchema, `${path}.*`);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
      for (const option of (resolved[key] ?? []) as JsonSchema[]) visit(option, path);
  };
  visit(root, '');
  return out;
}

/**
 * Whether a field path (`notes[].text`, `comments[]`, `threads[][]`) names a place in the schema,
 * found by walking it (through `$ref` and unions). Not from fieldsOf's list: that visits a schema
 * shared through `$defs` once, under its first path only (review).
 */
export function schemaHasPath(root: JsonSchema, path: string): boolean {
  const defs = (root.$defs ?? {}) as Record<string, JsonSchema>;
  const segments = parsePattern(path);
  const walk = (schema: JsonSchema, at: number, depth: number): boolean => {
    if (depth > 64) return false; // a recursive schema: deeper than any path a person writes
    const resolved = resolve(schema, defs);
    if (at === segments.length) return true;
    const options = (['anyOf', 'oneOf', 'allOf'] as const).flatMap((key) => (resolved[key] ?? []) as JsonSchema[]);
    if (options.some((option) => walk(option, at, depth + 1))) return true;
    const segment = segments[at]!;
    if (segment === '[]') return resolved.items !== undefined && walk(resolved.items as JsonSchema, at + 1, depth + 1);
    const properties = (resolved.properties ?? {}) as Record<string, JsonSchema>;
    return Object.hasOwn(properties, segment) && walk(properties[segment]!, at + 1, depth + 1);
  };
  return walk(root, 0, 0);
}

function resolve(schema: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/$defs/')) return defs[ref.slice('#/$defs/'.length)] ?? schema;
  return schema;
}

export const typesOf = (schema: JsonSchema): string[] => {
  const t = schema.type;
  if (Array.isArray(t)) return t as string[];
  if (typeof t === 'string') return [t];
  const options = [...((schema.anyOf ?? []) as JsonSchema[]), ...((schema.oneOf ?? []) as JsonSchema[])];
  return options.flatMap(typesOf);
};

/**
 * A schema that accepts anything at all, or an object that accepts any keys with any values. A
 * union is free-form when one of its options is, and a record when its values are: a union of
 * typed objects, a tuple (`items: false`) and a record of numbers were all failed as arbitrary
 * JSON, so a `filter` that is one shape or another could not pass (outside probe).
 */
export function isFreeForm(
  schema: unknown,
  defs: Record<string, JsonSchema> = {},
  within: ReadonlySet<JsonSchema> = new Set(),
): boolean {
  if (schema === true) return true;
  if (schema === null || typeof schema !== 'object') return false; // false: nothing is accepted
  const node = resolve(schema as JsonSchema, defs); // an open object named in $defs is still open (review)
  // Back at a schema this one is inside, through nothing but lists, records and unions: a value
  // made of itself with no named field anywhere, which is what z.json() is (it passed; review).
  if (within.has(node)) return true;
  const inner = new Set(within).add(node);
  const isFree = (child: unknown) => isFreeForm(child, defs, inner);
  if (Object.keys(node).filter((k) => k !== 'description' && k !== 'default' && k !== 'title').length === 0)
    return true;
  // An intersection with an open object lets any key in (z.intersection(typed, z.record(…, z.any()))).
  if (((node.allOf ?? []) as JsonSchema[]).some(isFree)) return true;
  const options = [...((node.anyOf ?? []) as JsonSchema[]), ...((node.oneOf ?? []) as JsonSchema[])];
  if (node.type === undefined && options.length > 0) return options.some(isFree);
  if (typesOf(node).includes('array'))
    return isFree(node.items ?? {}) || ((node.prefixItems ?? []) as unknown[]).some(isFree);
  if (!typesOf(node).includes('object')) return false;
  const extra = node.additionalProperties;
  if (typeof extra === 'object' && extra !== null) return isFree(extra);
  return extra === true || (!node.properties && extra !== false);
}

/**
 * Whether a field can hold text of the caller's choosing: a string that is not an enum or a
 * constant, a list of such, or an open object; through `$ref` and unions (`z.enum(…).nullable()`
 * and a union of literals take no text; a typed object takes none of its own).
 */
export function takesText(schema: unknown, defs: Record<string, JsonSchema> = {}, depth = 0): boolean {
  if (schema === null || typeof schema !== 'object' || depth > 32) return schema === true;
  const node = resolve(schema as JsonSchema, defs);
  const takes = (child: unknown) => takesText(child, defs, depth + 1);
  if (node.enum !== undefined || node.const !== undefined) return false;
  const options = [...((node.anyOf ?? []) as JsonSchema[]), ...((node.oneOf ?? []) as JsonSchema[])];
  if (node.type === undefined && options.length > 0) return options.some(takes);
  const types = typesOf(node);
  if (types.length === 0 || types.includes('string')) return true;
  if (types.includes('array')) return takes(node.items ?? true);
  return types.includes('object') && isFreeForm(node, defs);
}

/** `targetUrl` as `target_url`: the checks' name patterns are written in snake case. */
export const snakeCase = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
