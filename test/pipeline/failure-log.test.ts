import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import type { Store } from '../../src/store/types.js';
import { jsonTroubleOf } from '../../src/util/json-trouble.js';
import { capturedLogger } from '../helpers/captured-logger.js';
import { agent, credentials } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * Outside probe: a handler that threw `undefined` logged "tool call failed" and nothing else, and
 * a result JSON cannot carry (a circular structure, a BigInt in a `z.any()` field, nesting deeper
 * than a walk can go) logged a RangeError from deep in a later stage, or JSON's "serialize a
 * BigInt", naming neither the field nor the cause. The caller still gets `internal`; the log says why.
 */
let store: Store;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ store, cleanup } = await tempSqliteStore()));
afterEach(async () => cleanup());

const toolReturning = (name: string, handler: () => unknown, output: z.ZodObject = z.object({ value: z.any() })) =>
  defineTool({
    name,
    description: "Return one value of the caller's tenant, for this test.",
    input: z.object({}),
    output,
    scopes: ['billing:read'],
    tenant: 'caller',
    handler: handler as never,
  });

const circular = (): Record<string, unknown> => {
  const node: Record<string, unknown> = { id: 'n1', children: [] };
  (node.children as unknown[]).push({ id: 'n2', parent: node });
  return node;
};
const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

async function failedLine(tool: ReturnType<typeof toolReturning>) {
  const log = capturedLogger();
  const gateway = createGateway({ tools: [tool], store, credentials, logger: log.logger });
  const result = await gateway.call({
    tool: tool.name,
    args: {},
    principal: agent,
    client: 'support_app',
    surface: 'internal',
  });
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.code).toBe('internal');
  const lines = log.lines().filter((line) => line.msg.startsWith('tool call failed'));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('the log of a call that failed as internal', () => {
  it('names the field where a result refers back to itself', async () => {
    const line = await failedLine(toolReturning('get_tree', () => ({ value: circular() })));
    expect(line.msg).toContain('cannot be sent as JSON');
    expect(line.result).toBe(
      'a reference back to an enclosing object at "value.children[0].parent" (a circular structure)',
    );
  });

  it('names the field holding a BigInt', async () => {
    const line = await failedLine(toolReturning('get_count', () => ({ value: { total: 10n } })));
    expect(line.result).toBe('a BigInt at "value.total" (return it as a string or a number)');
    expect(line.err?.message).toMatch(/BigInt/);
  });

  it('says when a result is nested too deep to walk', async () => {
    const line = await failedLine(toolReturning('get_deep', () => ({ value: nested(20_000) })));
    expect(line.result).toMatch(/^nesting deeper than 1000 levels at "value(\[0\])+"$/);
  });

  it.each([
    ['undefined', undefined, 'undefined'],
    ['a string', 'upstream said no', '"upstream said no"'],
    ['null', null, 'null'],
    ['a plain object', { status: 503 }, '{"status":503}'],
    ['a circular object', circular(), '[object Object]'],
  ])('says what was thrown when it is %s, not an Error', async (_, value, shown) => {
    const line = await failedLine(
      toolReturning('get_thrown', () => {
        throw value;
      }),
    );
    expect(line.thrown).toBe(shown);
    expect(line.msg).toBe(
      `tool call failed: ${shown} was thrown, not an Error (throw an Error, or a ToolgateError to choose the code)`,
    );
  });

  it('blames a schema break on the schema, not on what validation would have dropped', async () => {
    const tool = toolReturning('get_row', () => ({ row: circular() }), z.object({ value: z.string() }));
    const line = await failedLine(tool);
    expect(line.msg).toBe('tool call failed');
    expect(line.result).toBeUndefined();
  });

  it('does not stand in the way of a result whose cycle the output schema drops', async () => {
    const tool = toolReturning('get_node', () => circular(), z.object({ id: z.string() }));
    const gateway = createGateway({ tools: [tool], store, credentials });
    const result = await gateway.call({
      tool: 'get_node',
      args: {},
      principal: agent,
      client: 'support_app',
      surface: 'internal',
    });
    expect(result).toMatchObject({ ok: true, structured: { id: 'n1' } });
  });
});

describe('jsonTroubleOf', () => {
  it('finds nothing in what JSON carries, a shared (not circular) object included', () => {
    const shared = { id: 1 };
    expect(jsonTroubleOf({ a: shared, b: [shared, shared], at: new Date(0), f: () => 1, s: Symbol('x') })).toBeNull();
    expect(jsonTroubleOf(nested(999))).toBeNull();
  });

  it('follows toJSON as JSON.stringify does', () => {
    expect(jsonTroubleOf({ v: { toJSON: () => ({ n: 1n }) } })).toBe(
      'a BigInt at "v.n" (return it as a string or a number)',
    );
    expect(jsonTroubleOf(5n)).toBe('a BigInt at "(the result itself)" (return it as a string or a number)');
  });
});
