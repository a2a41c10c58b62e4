import { contractSnapshotSchema, FORMAT_VERSION, type ContractSnapshot } from './snapshot-format.js';

/**
 * Parses a committed snapshot's text. Returns the snapshot, or a sentence saying what is wrong
 * with it (the caller adds the file name and how to regenerate it).
 */
export function parseSnapshot(text: string): { snapshot: ContractSnapshot } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `is not valid JSON (${(error as Error).message})` };
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version === 'number' && version > FORMAT_VERSION) {
    return {
      problem: `has formatVersion ${version}, written by a newer toolgate; this one reads version ${FORMAT_VERSION}`,
    };
  }
  const parsed = contractSnapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the top level';
    return { problem: `is not a toolgate contract snapshot (${where}: ${issue?.message ?? 'invalid'})` };
  }
  for (const [name, tool] of Object.entries(parsed.data.tools)) {
    for (const side of ['input', 'output'] as const) {
      const problem = schemaProblem(tool[side], `tools.${name}.${side}`);
      if (problem) return { problem: `is not a toolgate contract snapshot (${problem})` };
    }
  }
  return { snapshot: parsed.data };
}

const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];

/**
 * Where a schema in the file is not JSON Schema's shape: a subschema that is neither an object nor
 * a boolean, or a keyword whose value has the wrong type. The diff walks these without checking
 * each node, so `"customer_id": null` under `properties` crashed it with a TypeError, and
 * `"enum": 5` was silently compared as nothing (outside probe, 2026-12-07).
 */
function schemaProblem(node: unknown, path: string): string | null {
  if (typeof node === 'boolean') return null;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return `${path}: not a schema`;
  const schema = node as Record<string, unknown>;
  for (const key of SUBSCHEMAS) {
    if (!(key in schema)) continue;
    const problem = schemaProblem(schema[key], `${path}.${key}`);
    if (problem) return problem;
  }
  for (const key of SUBSCHEMA_LISTS) {
    if (!(key in schema)) continue;
    const list = schema[key];
    if (!Array.isArray(list)) return `${path}.${key}: not a list of schemas`;
    for (const [i, item] of list.entries()) {
      const problem = schemaProblem(item, `${path}.${key}.${i}`);
      if (problem) return problem;
    }
  }
  for (const key of SUBSCHEMA_MAPS) {
    if (!(key in schema)) continue;
    const map = schema[key];
    if (map === null || typeof map !== 'object' || Array.isArray(map))
      return `${path}.${key}: not an object of schemas`;
    for (const [name, item] of Object.entries(map)) {
      const problem = schemaProblem(item, `${path}.${key}.${name}`);
      if (problem) return problem;
    }
  }
  if ('enum' in schema && !Array.isArray(schema.enum)) return `${path}.enum: not a list`;
  if ('required' in schema && !isStringList(schema.required)) return `${path}.required: not a list of names`;
  if ('type' in schema && typeof schema.type !== 'string' && !isStringList(schema.type))
    return `${path}.type: not a type name or a list of them`;
  return null;
}

const isStringList = (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string');
