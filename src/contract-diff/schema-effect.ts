import type { Change } from './change.js';

/**
 * Which way a schema points decides what a change means. An input schema is what clients send:
 * narrowing it refuses calls that used to work. An output schema is what clients receive:
 * widening it hands them values their code was never written for. Everything else is safe.
 */
export type Direction = 'input' | 'output';

export interface SchemaContext {
  readonly tool: string;
  readonly direction: Direction;
}

/** narrowed: fewer values valid; widened: more; changed: neither contains the other. */
export type Effect = 'narrowed' | 'widened' | 'changed';

const CONSEQUENCE: Record<Direction, Record<Effect, string>> = {
  input: {
    narrowed: 'calls that were valid before may now be refused',
    widened: 'more calls are accepted',
    changed: 'calls that were valid before may now be refused',
  },
  output: {
    narrowed: 'the output only gets more specific',
    widened: 'widened output that clients may not handle',
    changed: 'widened output that clients may not handle',
  },
};

/** A constraint moved: classified by direction. `what` says what moved, e.g. "maxLength lowered from 500 to 200". */
export function effectChange(ctx: SchemaContext, path: string, effect: Effect, what: string): Change {
  const breaking = effect === 'changed' || (ctx.direction === 'input') === (effect === 'narrowed');
  return {
    severity: breaking ? 'breaking' : 'safe',
    tool: ctx.tool,
    path,
    kind: `${ctx.direction}-${effect}`,
    reason: `${what}: ${CONSEQUENCE[ctx.direction][effect]}`,
  };
}

/** A change with a fixed classification (fields added or removed, descriptions, the unclassifiable). */
export function fixedChange(
  ctx: SchemaContext,
  path: string,
  severity: Change['severity'],
  kind: string,
  reason: string,
): Change {
  return { severity, tool: ctx.tool, path, kind, reason };
}

/** Anything the diff does not understand is breaking: a reviewer must look, never a silent pass. */
export function unclassified(ctx: SchemaContext, path: string, keyword: string): Change {
  return fixedChange(
    ctx,
    path,
    'breaking',
    'unclassified',
    `"${keyword}" changed in a way the diff cannot classify: review it by hand`,
  );
}
