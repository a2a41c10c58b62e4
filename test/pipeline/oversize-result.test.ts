import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { STAGES } from '../../src/pipeline/run.js';
import type { Stage } from '../../src/pipeline/state.js';
import type { Store } from '../../src/store/types.js';
import { agent, credentials } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * A result the budget cannot cut: a record of many short fields has no list to shorten and no
 * long text to trim. It used to fail as `internal` ("The tool failed unexpectedly."), so the model
 * could not tell it to narrow the query; it is `result_too_large`, saying so, and audited as that.
 */
let store: Store;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ store, cleanup } = await tempSqliteStore()));
afterEach(async () => cleanup());

const wideRecord = defineTool({
  name: 'get_feature_flags',
  description: "Return every feature flag of the caller's tenant by name.",
  input: z.object({}),
  output: z.object({ flags: z.record(z.string(), z.string()) }),
  scopes: ['billing:read'],
  tenant: 'caller',
  limits: { maxResultBytes: 4_096 },
  handler: () => ({ flags: Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`flag_${i}`, 'on'])) }),
});

describe('a result that cannot be cut to its budget', () => {
  it('is refused as result_too_large, with a message the model can act on, and audited', async () => {
    const gateway = createGateway({ tools: [wideRecord], store, credentials });
    const result = await gateway.call({
      tool: 'get_feature_flags',
      args: {},
      principal: agent,
      client: 'support_app',
      surface: 'internal',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'result_too_large', retryable: false });
    expect(result.error.message).toContain('get_feature_flags');
    expect(result.error.message).toMatch(/narrow the query/);
    expect(JSON.stringify(result)).not.toContain('flag_1999');
    const [event] = await store.audit.query({ tool: 'get_feature_flags' });
    expect(event).toMatchObject({ tool: 'get_feature_flags', outcome: 'error', errorCode: 'result_too_large' });
  });
});

/**
 * Outside probe, 2026-12-07: a handler's output of any size was walked whole by validate-output,
 * the guard, redaction and the budget (1 M keys: 6 s, 852 MB) before `result_too_large`. Far
 * over the budget (32 values a budget byte; here 1 KB, so 32,768) it is refused as the handler
 * returns it, and none of those stages sees it.
 */
const probeShape = (keys: number) =>
  defineTool({
    name: 'get_flag_lists',
    description: "Return every feature flag of the caller's tenant with its values.",
    input: z.object({}),
    output: z.object({ flags: z.record(z.string(), z.array(z.string())) }),
    scopes: ['billing:read'],
    tenant: 'caller',
    limits: { maxResultBytes: 1_024 },
    handler: () => ({ flags: Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, ['v']])) }),
  });

describe('a handler output far over its budget', () => {
  const callWith = async (keys: number) => {
    const ran: string[] = [];
    const stages = STAGES.map(([name, stage]): readonly [string, Stage] => [
      name,
      (state) => (ran.push(name), stage(state)),
    ]);
    const gateway = createGateway({ tools: [probeShape(keys)], store, credentials, stages });
    const result = await gateway.call({
      tool: 'get_flag_lists',
      args: {},
      principal: agent,
      client: 'support_app',
      surface: 'internal',
    });
    return { result, ran };
  };

  it('is refused as result_too_large before validate-output, the guard, redaction or the budget', async () => {
    const { result, ran } = await callWith(20_000); // 40,001 values
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'result_too_large', retryable: false });
    expect(result.error.message).toMatch(/get_flag_lists.*narrow the query/);
    expect(ran.at(-1)).toBe('run-handler');
    const [event] = await store.audit.query({ tool: 'get_flag_lists' });
    expect(event).toMatchObject({ outcome: 'error', errorCode: 'result_too_large' });
  });

  it('under the cap, still goes through every stage (and here the budget refuses it)', async () => {
    const { result, ran } = await callWith(2_000);
    expect(!result.ok && result.error.code).toBe('result_too_large');
    expect(ran).toEqual(STAGES.map(([name]) => name));
  });
});
