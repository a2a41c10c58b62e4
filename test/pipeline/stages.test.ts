import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { CallRequest, CallResult } from '../../src/pipeline/types.js';
import { STAGES } from '../../src/pipeline/run.js';
import type { Store } from '../../src/store/types.js';
import { agent, credentials, fixtureTools, SECRET } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * One test per pipeline stage. Each case runs twice: with the real stage list it must show the
 * stage's effect; with that one stage removed the effect must be gone. So every test here fails
 * if its stage is removed, and we know it.
 */
let store: Store;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ store, cleanup } = await tempSqliteStore()));
afterEach(async () => cleanup());

const gatewayWith = (stages = STAGES): Gateway =>
  createGateway({
    tools: fixtureTools,
    store,
    credentials,
    stages,
    toolsets: {
      support_app: fixtureTools.filter((t) => t.name !== 'compute_invoice_total').map((t) => t.name),
      '*': ['get_customer_summary'],
    },
  });

const call = (gw: Gateway, tool: string, args: unknown, extra: Partial<CallRequest> = {}) =>
  gw.call({ tool, args, principal: agent, client: 'support_app', surface: 'internal', ...extra });

const errorCode = (r: CallResult) => (r.ok ? null : r.error.code);

interface StageCase {
  readonly stage: string;
  readonly does: string;
  readonly run: (gw: Gateway) => Promise<CallResult>;
  readonly holds: (r: CallResult) => boolean;
}

const cases: StageCase[] = [
  {
    stage: 'resolve-tool',
    does: 'hides tools outside the client toolset',
    run: (gw) =>
      call(gw, 'get_customer_summary', { customer_id: 'cus_1' }, { client: 'other_app', tool: 'get_debug_info' }),
    holds: (r) => errorCode(r) === 'not_found',
  },
  {
    stage: 'authorize',
    does: 'denies a principal without the scope',
    run: (gw) =>
      call(gw, 'get_customer_summary', { customer_id: 'cus_1' }, { principal: { ...agent, scopes: ['tickets:read'] } }),
    holds: (r) => errorCode(r) === 'forbidden',
  },
  {
    stage: 'rate-limit',
    does: 'answers the 4th call in a burst of 3 with rate_limited and retry-after',
    run: async (gw) => {
      for (let i = 0; i < 3; i++) await call(gw, 'get_customer_summary', { customer_id: 'cus_1' });
      return call(gw, 'get_customer_summary', { customer_id: 'cus_1' });
    },
    holds: (r) =>
      !r.ok && r.error.code === 'rate_limited' && (r.error.retry_after_seconds ?? 0) >= 1 && r.error.retryable,
  },
  {
    stage: 'validate-input',
    does: 'names the bad field',
    run: (gw) => call(gw, 'get_customer_summary', { customer_id: 42 }),
    holds: (r) =>
      !r.ok &&
      r.error.code === 'invalid_input' &&
      r.error.field === 'customer_id' &&
      r.error.message.startsWith('customer_id:'),
  },
  {
    stage: 'tenant-boundary',
    does: 'denies a cross-tenant id',
    run: (gw) => call(gw, 'get_customer_summary', { customer_id: 'cus_2' }),
    holds: (r) => errorCode(r) === 'not_found',
  },
  {
    stage: 'run-handler',
    does: 'times out a hanging handler',
    run: (gw) => call(gw, 'wait_for_upstream', {}),
    holds: (r) => !r.ok && r.error.code === 'timeout' && r.error.retryable,
  },
  {
    stage: 'validate-output',
    does: 'drops fields the output schema does not declare',
    run: (gw) => call(gw, 'get_customer_summary', { customer_id: 'cus_1' }),
    holds: (r) => r.ok && !('internal_notes' in r.structured) && r.structured.balance_usd === 42.5,
  },
  {
    stage: 'untrusted-guard',
    does: 'wraps, labels and flags injection text and removes hidden Unicode',
    run: (gw) => call(gw, 'get_support_ticket', { ticket_id: 'tkt_9' }),
    holds: (r) =>
      r.ok &&
      String(r.structured.body).startsWith('<untrusted_content') &&
      String(r.structured.body).includes('tkt_9') &&
      !/[\u200b\u202e]/.test(r.text) &&
      r.warnings.some((w) => w.field === 'body' && w.rules.length > 0),
  },
  {
    stage: 'redact',
    does: 'masks a credential a handler echoes, raw and base64',
    run: (gw) => call(gw, 'get_debug_info', {}),
    holds: (r) => r.ok && !r.text.includes(SECRET) && !r.text.includes(Buffer.from(SECRET).toString('base64')),
  },
  {
    stage: 'output-budget',
    does: 'cuts a 5 MB result to budget with an explicit marker',
    run: (gw) => call(gw, 'list_error_logs', {}),
    holds: (r) =>
      r.ok && r.resultBytes <= 8_192 && r.truncated.length > 0 && JSON.stringify(r.structured).includes('[truncated:'),
  },
];

describe('each pipeline stage is load-bearing', () => {
  for (const c of cases) {
    it(`${c.stage} ${c.does}`, async () => {
      expect(STAGES.some(([name]) => name === c.stage)).toBe(true);
      const withStage = await c.run(gatewayWith());
      expect(c.holds(withStage), JSON.stringify(withStage).slice(0, 500)).toBe(true);
    });
    it(`${c.stage}: removing it removes the behaviour`, async () => {
      const without = await c.run(gatewayWith(STAGES.filter(([name]) => name !== c.stage)));
      expect(c.holds(without)).toBe(false);
    });
  }
});

// Issue #15: the answer reuses the JSON output-budget measured instead of serialising it again.
describe('the answer text', () => {
  it('is the JSON of what leaves the gateway: the output, with notices when there are any', async () => {
    const plain = await call(gatewayWith(), 'get_customer_summary', { customer_id: 'cus_1' });
    const cut = await call(gatewayWith(), 'list_error_logs', {});
    for (const r of [plain, cut]) {
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.text).toBe(JSON.stringify(r.structured));
    }
    expect(cut.ok && cut.truncated.length > 0 && cut.text.includes('"notices"')).toBe(true);
  });

  it('follows an output replaced after output-budget measured it', async () => {
    const replace = ['replace', (state: { output: unknown }) => void (state.output = { replaced: true })] as const;
    const r = await call(gatewayWith([...STAGES, replace]), 'get_customer_summary', { customer_id: 'cus_1' });
    expect(r.ok && r.text).toBe('{"replaced":true}');
  });
});
