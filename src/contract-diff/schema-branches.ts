/**
 * Normal form for comparing JSON Schemas: a node becomes a list of single-type branches. zod
 * writes "string or null" as `type: [string, null]` but "object or null" as `anyOf`, and a
 * config change can move a field from one spelling to the other; after splitting, both compare
 * branch by branch, so only real differences are reported.
 */
export type JsonSchema = Record<string, unknown>;

export interface Branch {
  /** One JSON type, or `any` when the schema names none. */
  readonly type: string;
  /** The branch's constraints, without annotations. */
  readonly schema: JsonSchema;
  /** Where the branch sits below the node: '' (the node itself), `anyOf[1]`, `type`. */
  readonly at: string;
  /** Annotations that apply to the branch (its own or inherited from the union), with where each is written. */
  readonly notes: Readonly<Record<string, { readonly value: unknown; readonly at: string }>>;
}

/** Keywords that describe but never constrain: compared separately, reported as safe. */
export const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', 'deprecated', '$comment']);

/** Keywords that only constrain values of one type; dropped from branches of other types. */
const FAMILY: Record<string, readonly string[]> = {
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  array: ['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains'],
  object: ['properties', 'required', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties'],
};
const OWNER = new Map(Object.entries(FAMILY).flatMap(([type, keys]) => keys.map((k) => [k, type] as const)));

/** `true` accepts anything, `false` nothing; as objects they go through the same comparison. */
export function asSchema(value: unknown): JsonSchema {
  if (value === true || value === undefined) return {};
  if (value === false) return { not: {} };
  return value as JsonSchema;
}

export function branchesOf(node: JsonSchema): Branch[] {
  const notes = Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => ANNOTATIONS.has(k))
      .map(([k, value]) => [k, { value, at: '' }]),
  );
  const stripped = Object.fromEntries(Object.entries(node).filter(([k]) => !ANNOTATIONS.has(k)));
  const union = unionOf(stripped);
  if (union) {
    // Keywords beside anyOf apply to every option (they are and-ed), so each branch inherits them.
    const { [union.key]: _options, ...shared } = stripped;
    return union.options.flatMap((option, i) => {
      const prefix = `${union.key}[${i}]`;
      return branchesOf({ ...shared, ...asSchema(option) }).map((b) => ({
        ...b,
        at: join(prefix, b.at),
        notes: {
          ...notes,
          ...Object.fromEntries(Object.entries(b.notes).map(([k, n]) => [k, { ...n, at: join(prefix, n.at) }])),
        },
      }));
    });
  }
  const types = Array.isArray(stripped.type) ? (stripped.type as string[]) : undefined;
  if (!types || types.length <= 1) {
    const type = types ? types[0] : stripped.type;
    return [{ type: typeof type === 'string' ? type : 'any', schema: stripped, at: '', notes }];
  }
  return types.map((type) => ({ type, schema: forType(stripped, type), at: 'type', notes }));
}

const join = (a: string, b: string) => (a && b ? `${a}.${b}` : a || b);

/** The anyOf/oneOf options of a node, if it has them; oneOf is compared like anyOf. */
export function unionOf(node: JsonSchema): { key: 'anyOf' | 'oneOf'; options: unknown[] } | undefined {
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = node[key];
    if (Array.isArray(options)) return { key, options };
  }
  return undefined;
}

/** One type's share of a multi-type node: its own keywords, and only the enum values of that type. */
function forType(node: JsonSchema, type: string): JsonSchema {
  const family = type === 'integer' ? 'number' : type;
  const out: JsonSchema = { type };
  for (const [key, value] of Object.entries(node)) {
    if (key === 'type') continue;
    const owner = OWNER.get(key);
    if (owner !== undefined && owner !== family) continue;
    if (key === 'enum' && Array.isArray(value)) out.enum = value.filter((v) => jsonType(v, type));
    else if (key === 'const') {
      if (jsonType(value, type)) out.const = value;
    } else out[key] = value;
  }
  return out;
}

/** Does a value belong to a JSON Schema type? */
export function jsonType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'any':
      return true;
    default:
      return typeof value === type;
  }
}
