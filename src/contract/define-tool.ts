import { z } from 'zod';
import { parsePattern } from '../util/field-path.js';
import { deriveInputSchema, deriveOutputSchema } from './json-schema.js';
import { assertToolName } from './names.js';
import type { ToolAnnotations, ToolDefinition, ToolKind, ToolSpec } from './types.js';

/**
 * Defines a read tool: a task-shaped question the model can ask an internal system.
 * Everything a surface needs (JSON Schema, annotations) is derived here, once. Mistakes a
 * platform team can make when defining a tool fail loudly at start-up, not at call time.
 */
export function defineTool<I extends z.ZodType, O extends z.ZodType>(spec: ToolSpec<I, O>): ToolDefinition<I, O> {
  return finishDefinition(spec, 'read');
}

/** Shared by defineTool and defineAction (src/actions): checks the spec and derives the rest. */
export function finishDefinition<I extends z.ZodType, O extends z.ZodType>(
  spec: ToolSpec<I, O>,
  kind: ToolKind,
  annotationOverrides: Partial<ToolAnnotations> = {},
): ToolDefinition<I, O> {
  assertToolName(spec.name);
  const where = `Tool "${spec.name}"`;
  if (!(spec.input instanceof z.ZodObject)) throw new TypeError(`${where}: input must be a z.object(...).`);
  if (!(spec.output instanceof z.ZodObject)) throw new TypeError(`${where}: output must be a z.object(...).`);
  if (spec.description.trim().length === 0) throw new TypeError(`${where}: description is empty.`);
  if (spec.scopes.length === 0) {
    throw new TypeError(`${where}: declare at least one scope (e.g. "billing:read"); tools are deny-by-default.`);
  }
  if (spec.tenant !== 'caller' && typeof spec.tenant?.ownerOf !== 'function') {
    throw new TypeError(`${where}: tenant must be 'caller' or { ownerOf(input, ctx) }.`);
  }
  // Parse every declared path now so a typo is a start-up error, not a silent no-op.
  for (const field of spec.untrusted ?? []) parsePattern(field.field);
  for (const field of spec.allowPii ?? []) parsePattern(field);
  if (spec.sourcesField !== undefined) parsePattern(spec.sourcesField);
  checkLimits(where, spec.limits);

  const readOnly = kind === 'read';
  const annotations: ToolAnnotations = {
    ...(spec.title === undefined ? {} : { title: spec.title }),
    readOnlyHint: readOnly,
    destructiveHint: false,
    idempotentHint: readOnly,
    openWorldHint: false,
    ...annotationOverrides,
  };
  const derived = (derive: () => Record<string, unknown>) => {
    try {
      return Object.freeze(derive());
    } catch (error) {
      throw new TypeError(`Tool ${spec.name}: ${(error as Error).message}`, { cause: error });
    }
  };
  return Object.freeze({
    ...spec,
    kind,
    inputJsonSchema: derived(() => deriveInputSchema(spec.input)),
    outputJsonSchema: derived(() => deriveOutputSchema(spec.output)),
    annotations: Object.freeze(annotations),
  });
}

function checkLimits(where: string, limits: ToolSpec<z.ZodType, z.ZodType>['limits']): void {
  if (!limits) return;
  for (const [key, value] of Object.entries(limits)) {
    if (key === 'rate') continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`${where}: limits.${key} must be a positive number.`);
    }
  }
  const rate = limits.rate;
  if (rate && (!(rate.perMinute > 0) || (rate.burst !== undefined && !(rate.burst >= 1)))) {
    throw new TypeError(`${where}: limits.rate needs perMinute > 0 and, if set, burst ≥ 1.`);
  }
}
