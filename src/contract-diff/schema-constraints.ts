import { sameJson, sortKeys } from './canonical-json.js';
import { childPath, show, type Change } from './change.js';
import type { JsonSchema } from './schema-branches.js';
import { effectChange, type Effect, type SchemaContext } from './schema-effect.js';

/**
 * The leaf constraints of one single-type branch: type, enum/const, numeric and size bounds,
 * pattern/format/multipleOf and uniqueItems. Each returns the keywords it consumed, so the
 * caller can hand every other keyword to the conservative "cannot classify" check.
 */
export interface ConstraintResult {
  readonly changes: Change[];
  readonly handled: ReadonlySet<string>;
}

/** How the set of types moved; `any` is a schema without `type`, and every integer is a number. */
export function compareTypes(from: string, to: string): Effect | 'same' {
  if (from === to) return 'same';
  if (to === 'any' || (from === 'integer' && to === 'number')) return 'widened';
  if (from === 'any' || (from === 'number' && to === 'integer')) return 'narrowed';
  return 'changed';
}

export function diffConstraints(ctx: SchemaContext, path: string, from: JsonSchema, to: JsonSchema): ConstraintResult {
  const changes: Change[] = [];
  const handled = new Set<string>(['enum', 'const']);
  changes.push(...diffEnum(ctx, path, from, to));
  for (const [lowKeys, highKeys] of BOUNDS) {
    const keys = [...lowKeys, ...highKeys];
    // A bound that is not a number (draft-4 boolean exclusiveMinimum) is left to the unclassified check.
    if (!keys.every((k) => isNumberOrAbsent(from[k]) && isNumberOrAbsent(to[k]))) continue;
    keys.forEach((k) => handled.add(k));
    changes.push(...diffBound(ctx, path, 'lower', boundOf(from, lowKeys, 'lower'), boundOf(to, lowKeys, 'lower')));
    changes.push(...diffBound(ctx, path, 'upper', boundOf(from, highKeys, 'upper'), boundOf(to, highKeys, 'upper')));
  }
  for (const key of ['pattern', 'format', 'multipleOf'] as const) {
    handled.add(key);
    const [a, b] = [from[key], to[key]];
    if (sameJson(a, b)) continue;
    const at = childPath(path, key);
    if (a === undefined) changes.push(effectChange(ctx, at, 'narrowed', `${key} ${brief(b)} added`));
    else if (b === undefined) changes.push(effectChange(ctx, at, 'widened', `${key} ${brief(a)} removed`));
    // Two regexes (or formats) cannot be compared for containment, so any edit counts both ways.
    else changes.push(effectChange(ctx, at, 'changed', `${key} changed from ${brief(a)} to ${brief(b)}`));
  }
  handled.add('uniqueItems');
  if (Boolean(from.uniqueItems) !== Boolean(to.uniqueItems)) {
    const at = childPath(path, 'uniqueItems');
    if (to.uniqueItems) changes.push(effectChange(ctx, at, 'narrowed', 'array items must now be unique'));
    else changes.push(effectChange(ctx, at, 'widened', 'array items no longer need to be unique'));
  }
  return { changes, handled };
}

function diffEnum(ctx: SchemaContext, path: string, from: JsonSchema, to: JsonSchema): Change[] {
  const [a, b] = [allowedValues(from), allowedValues(to)];
  const at = childPath(
    path,
    to.enum !== undefined || (to.const === undefined && from.enum !== undefined) ? 'enum' : 'const',
  );
  if (a === undefined && b === undefined) return [];
  if (a === undefined) return [effectChange(ctx, at, 'narrowed', `values restricted to ${list(b!)}`)];
  if (b === undefined) return [effectChange(ctx, at, 'widened', `value restriction ${list(a)} removed`)];
  const key = (v: unknown) => JSON.stringify(sortKeys(v));
  const removed = a.filter((v) => !b.some((w) => key(w) === key(v)));
  const added = b.filter((v) => !a.some((w) => key(w) === key(v)));
  const changes: Change[] = [];
  const noun = (values: unknown[]) => (values.length === 1 ? 'value' : 'values');
  const prefix = ctx.direction === 'output' ? 'new output enum' : 'enum';
  if (removed.length) changes.push(effectChange(ctx, at, 'narrowed', `enum ${noun(removed)} ${list(removed)} removed`));
  if (added.length) changes.push(effectChange(ctx, at, 'widened', `${prefix} ${noun(added)} ${list(added)} added`));
  return changes;
}

const allowedValues = (s: JsonSchema): unknown[] | undefined =>
  Array.isArray(s.enum) ? s.enum : s.const !== undefined ? [s.const] : undefined;

type Bound = { readonly key: string; readonly value: number; readonly exclusive: boolean };
const BOUNDS: readonly (readonly [readonly string[], readonly string[]])[] = [
  [
    ['minimum', 'exclusiveMinimum'],
    ['maximum', 'exclusiveMaximum'],
  ],
  [['minLength'], ['maxLength']],
  [['minItems'], ['maxItems']],
  [['minProperties'], ['maxProperties']],
];

const isNumberOrAbsent = (v: unknown) => v === undefined || typeof v === 'number';

/** The tightest bound the keywords set, e.g. `minimum: 0` and `exclusiveMinimum: 0` → "> 0". */
function boundOf(s: JsonSchema, keys: readonly string[], side: 'lower' | 'upper'): Bound | undefined {
  let best: Bound | undefined;
  for (const key of keys) {
    const value = s[key];
    if (typeof value !== 'number') continue;
    const bound = { key, value, exclusive: key.startsWith('exclusive') };
    if (!best || tighter(bound, best, side)) best = bound;
  }
  return best;
}

function tighter(a: Bound, b: Bound, side: 'lower' | 'upper'): boolean {
  if (a.value !== b.value) return side === 'lower' ? a.value > b.value : a.value < b.value;
  return a.exclusive && !b.exclusive;
}

function diffBound(ctx: SchemaContext, path: string, side: 'lower' | 'upper', a?: Bound, b?: Bound): Change[] {
  if (!a && !b) return [];
  if (a && b && a.value === b.value && a.exclusive === b.exclusive) return [];
  const at = childPath(path, (b ?? a)!.key);
  if (!a) return [effectChange(ctx, at, 'narrowed', `${b!.key} ${b!.value} added`)];
  if (!b) return [effectChange(ctx, at, 'widened', `${a.key} ${a.value} removed`)];
  const narrowed = tighter(b, a, side);
  const moved = (side === 'lower') === narrowed ? 'raised' : 'lowered';
  const what =
    a.key === b.key
      ? `${b.key} ${moved} from ${a.value} to ${b.value}`
      : `${side} bound ${narrowed ? 'tightened' : 'loosened'} from ${a.key} ${a.value} to ${b.key} ${b.value}`;
  return [effectChange(ctx, at, narrowed ? 'narrowed' : 'widened', what)];
}

const list = (values: readonly unknown[]) => values.map((v) => show(v)).join(', ');

/** Long regexes (zod's date-time pattern is 300 characters) are cut so a reason stays one readable line. */
function brief(value: unknown): string {
  const text = show(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

export type { Effect };
