import { childPath, type Change } from './change.js';
import type { JsonSchema } from './schema-branches.js';
import { effectChange, fixedChange, type SchemaContext } from './schema-effect.js';

type Recurse = (path: string, from: unknown, to: unknown) => Change[];

/** The object keywords this file consumes; the rest of the branch is compared elsewhere. */
export const OBJECT_KEYWORDS = ['properties', 'required', 'additionalProperties'] as const;

/**
 * Fields of an object, one by one. Presence is judged from the client's side rather than by set
 * containment: an output field a client reads is relied on even when it was optional, so its
 * removal is breaking; an input field a client may send is relied on, so is its removal.
 */
export function diffObject(
  ctx: SchemaContext,
  path: string,
  from: JsonSchema,
  to: JsonSchema,
  recurse: Recurse,
): Change[] {
  const [propsA, propsB] = [propertiesOf(from), propertiesOf(to)];
  const [reqA, reqB] = [requiredOf(from), requiredOf(to)];
  const names = [...new Set([...Object.keys(propsA), ...Object.keys(propsB), ...reqA, ...reqB])].sort();
  const changes: Change[] = [];
  const input = ctx.direction === 'input';
  for (const name of names) {
    const at = childPath(childPath(path, 'properties'), name);
    const inA = Object.hasOwn(propsA, name) || reqA.has(name);
    const inB = Object.hasOwn(propsB, name) || reqB.has(name);
    if (inA && !inB) {
      changes.push(
        input
          ? fixedChange(ctx, at, 'breaking', 'input-field-removed', removedInput(name, to))
          : fixedChange(
              ctx,
              at,
              'breaking',
              'output-field-removed',
              `output field "${name}" removed: clients may read it`,
            ),
      );
    } else if (!inA && inB) {
      changes.push(addedField(ctx, at, name, reqB.has(name)));
    } else {
      changes.push(...requirement(ctx, childPath(path, 'required'), name, reqA.has(name), reqB.has(name)));
      changes.push(...recurse(at, own(propsA, name), own(propsB, name)));
    }
  }
  changes.push(...diffAdditional(ctx, childPath(path, 'additionalProperties'), from, to, recurse));
  return changes;
}

function removedInput(name: string, to: JsonSchema): string {
  const fate = to.additionalProperties === false ? 'refused' : 'silently ignored';
  return `input field "${name}" removed: calls that still send it are ${fate}`;
}

function addedField(ctx: SchemaContext, at: string, name: string, required: boolean): Change {
  if (ctx.direction === 'output')
    return fixedChange(ctx, at, 'safe', 'output-field-added', `new output field "${name}": clients can ignore it`);
  return required
    ? fixedChange(
        ctx,
        at,
        'breaking',
        'required-input-added',
        `new required input field "${name}": calls that omit it are refused`,
      )
    : fixedChange(ctx, at, 'safe', 'optional-input-added', `new optional input field "${name}"`);
}

function requirement(ctx: SchemaContext, at: string, name: string, before: boolean, after: boolean): Change[] {
  if (before === after) return [];
  if (ctx.direction === 'input') {
    return after
      ? [
          fixedChange(
            ctx,
            at,
            'breaking',
            'input-now-required',
            `input field "${name}" is now required: calls that omit it are refused`,
          ),
        ]
      : [fixedChange(ctx, at, 'safe', 'input-now-optional', `input field "${name}" is now optional`)];
  }
  return after
    ? [fixedChange(ctx, at, 'safe', 'output-now-required', `output field "${name}" is now always present`)]
    : [
        fixedChange(
          ctx,
          at,
          'breaking',
          'output-now-optional',
          `output field "${name}" may now be absent: clients that read it may fail`,
        ),
      ];
}

/**
 * Unknown keys. Opening a closed output object is safe for the same reason a new output field is
 * (clients ignore what they do not know), but loosening the value schema of a map's entries hands
 * clients values they were not written for.
 */
function diffAdditional(ctx: SchemaContext, at: string, from: JsonSchema, to: JsonSchema, recurse: Recurse): Change[] {
  const [a, b] = [shapeOf(from.additionalProperties), shapeOf(to.additionalProperties)];
  if (a === 'schema' && b === 'schema') return recurse(at, from.additionalProperties, to.additionalProperties);
  if (a === b) return [];
  if (a === 'closed') {
    return ctx.direction === 'input'
      ? [effectChange(ctx, at, 'widened', 'unknown fields are now accepted')]
      : [
          fixedChange(
            ctx,
            at,
            'safe',
            'output-opened',
            'the object may now carry extra fields: clients can ignore them',
          ),
        ];
  }
  if (b === 'closed') return [effectChange(ctx, at, 'narrowed', 'unknown fields are now refused')];
  return a === 'open'
    ? [effectChange(ctx, at, 'narrowed', 'values of extra fields are now constrained')]
    : [effectChange(ctx, at, 'widened', 'values of extra fields are no longer constrained')];
}

function shapeOf(value: unknown): 'closed' | 'open' | 'schema' {
  if (value === false) return 'closed';
  if (value === undefined || value === true) return 'open';
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return 'open';
  return 'schema';
}

const propertiesOf = (s: JsonSchema) => (s.properties ?? {}) as Record<string, unknown>;
const requiredOf = (s: JsonSchema) => new Set(Array.isArray(s.required) ? (s.required as string[]) : []);

/** Own properties only: a field named `constructor` must not find Object.prototype's. */
const own = (record: Record<string, unknown>, key: string) => (Object.hasOwn(record, key) ? record[key] : undefined);
