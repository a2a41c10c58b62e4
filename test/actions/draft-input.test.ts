import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/define-action.js';
import { draftHash } from '../../src/actions/draft-hash.js';
import { canonicalJson } from '../../src/audit/chain.js';
import { staticCredentials } from '../../src/credentials/provider.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { silentLogger } from '../../src/log/logger.js';
import type { CallResult } from '../../src/pipeline/types.js';
import { approver, requester } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * What execute, verify and rollback are given is what the model asked for, parsed once. The draft
 * stored the parsed input and execute parsed it again: a `usd → cents` transform approved at 1,000
 * cents executed 100,000, and a Date from a codec was stored as `{}` and never executed (outside
 * probe, a tool author's toolset).
 */
let t: Awaited<ReturnType<typeof tempSqliteStore>>;
beforeEach(async () => {
  t = await tempSqliteStore();
});
afterEach(async () => t.cleanup());

const credentials = staticCredentials({ test: { credit_write: 'credit-write-token-123456' } }, 'test');

function creditAction(amount: z.ZodType<number, number> = z.number().positive()) {
  const seen = { executed: [] as unknown[], verified: [] as unknown[], rolledBack: [] as unknown[] };
  const action = defineAction({
    name: 'create_credit_note_draft',
    description: 'Draft a credit note on a customer account, in dollars, for a billing approver.',
    input: z.object({
      account_id: z.string(),
      cents: amount.transform((usd) => Math.round(usd * 100)),
      effective_from: z.codec(z.iso.datetime(), z.date(), {
        decode: (text) => new Date(text),
        encode: (date) => date.toISOString(),
      }),
    }),
    preview: z.object({ account_id: z.string(), credit_cents: z.number(), from: z.string() }),
    risk: 'high',
    approval: { roles: ['billing_approver'] },
    scopes: ['refunds:draft'],
    tenant: 'caller',
    credentials: ['credit_write'],
    describe: ({ account_id, cents, effective_from }) => ({
      account_id,
      credit_cents: cents,
      from: effective_from.toISOString(),
    }),
    execute: async (input) => {
      seen.executed.push(input);
      return { id: 'cn_1' };
    },
    verify: async (input) => {
      seen.verified.push(input);
      return { ok: true, detail: 'credit note cn_1 is open' };
    },
    rollback: {
      description: 'Cancel the credit note.',
      run: async (input) => {
        seen.rolledBack.push(input);
        return { ok: true, detail: 'cancelled' };
      },
    },
  });
  return { action, seen };
}

/** The draft id a drafting call answered with. */
function draftIdOf(result: CallResult): string {
  if (!result.ok) throw new Error(`drafting failed: ${result.text}`);
  return String(result.structured.draft_id);
}

const args = { account_id: 'acc_1', cents: 10, effective_from: '2026-12-01T00:00:00.000Z' };
const gatewayWith = (action: ReturnType<typeof creditAction>['action']) =>
  createGateway({ tools: [action], store: t.store, credentials, logger: silentLogger });

it('execute, verify and rollback get the input parsed once: $10 is 1,000 cents, the date a Date', async () => {
  const { action, seen } = creditAction();
  const gateway = gatewayWith(action);
  const drafted = await gateway.call({
    tool: action.name,
    args,
    principal: requester,
    client: 'app',
    surface: 'direct',
  });
  expect(drafted).toMatchObject({ ok: true, structured: { preview: { credit_cents: 1_000 } } });
  const id = draftIdOf(drafted);
  // The approver is shown what the model asked for beside the preview, the date as it was sent.
  const view = gateway.actions.view((await gateway.actions.get(id))!);
  expect(view.input).toEqual(args);
  const done = await gateway.actions.approve(id, approver(), { reason: 'checked', surface: 'cli' });
  expect(done.status).toBe('verified');
  const expected = { account_id: 'acc_1', cents: 1_000, effective_from: new Date(args.effective_from) };
  expect(seen.executed).toEqual([expected]);
  expect(seen.verified).toEqual([expected]);
  await gateway.actions.rollback(id, approver(), { reason: 'wrong account', surface: 'cli' });
  expect(seen.rolledBack).toEqual([expected]);
});

it('a draft whose input no longer parses (the action changed since) fails, runs nothing, and says why', async () => {
  const before = creditAction();
  const drafted = await gatewayWith(before.action).call({
    tool: before.action.name,
    args,
    principal: requester,
    client: 'app',
    surface: 'direct',
  });
  const id = draftIdOf(drafted);
  // The same action redeployed with a lower cap before anyone approved.
  const after = creditAction(z.number().positive().max(5));
  const gateway = gatewayWith(after.action);
  const done = await gateway.actions.approve(id, approver(), { reason: 'checked', surface: 'cli' });
  // It stayed `executing` for good, with a ZodError every 30 s and no operator way out.
  expect(done.status).toBe('failed');
  expect(after.seen.executed).toEqual([]);
  const failed = await t.store.audit.query({ kind: 'action.failed' });
  expect(failed.map((e) => [e.errorCode, e.reason])).toEqual([
    [
      'conflict',
      `Draft ${id}'s input no longer matches create_credit_note_draft's input schema (cents: Too big: expected number to be <=5): ` +
        'the action changed after it was drafted. Nothing was run with it.',
    ],
  ]);
});

/** An action whose input has defaults: what each step was given is recorded. */
function orderAction(input: z.ZodObject) {
  const seen = {
    preview: [] as unknown[],
    executed: [] as unknown[],
    verified: [] as unknown[],
    rolledBack: [] as unknown[],
  };
  const action = defineAction({
    name: 'place_order_draft',
    description: 'Draft an order with the warehouse, for a billing approver to approve first.',
    input,
    preview: z.object({ shown: z.string() }),
    risk: 'high',
    approval: { roles: ['billing_approver'] },
    scopes: ['refunds:draft'],
    tenant: 'caller',
    credentials: ['credit_write'],
    describe: (parsed) => {
      seen.preview.push(parsed);
      return { shown: Object.keys(parsed as object).join(', ') };
    },
    execute: async (parsed) => void seen.executed.push(parsed),
    verify: async (parsed) => {
      seen.verified.push(parsed);
      return { ok: true, detail: 'placed' };
    },
    rollback: {
      description: 'Cancel the order.',
      run: async (parsed) => {
        seen.rolledBack.push(parsed);
        return { ok: true, detail: 'cancelled' };
      },
    },
  });
  return { action, seen };
}

const draftWith = async (action: ReturnType<typeof orderAction>['action'], args?: unknown) =>
  draftIdOf(
    await gatewayWith(action as never).call({
      tool: action.name,
      args,
      principal: requester,
      client: 'app',
      surface: 'direct',
    }),
  );

it('a generated default is drawn once: preview, execute, verify and rollback see the same value (review)', async () => {
  let drawn = 0;
  const { action, seen } = orderAction(z.object({ sku: z.string(), ref: z.string().default(() => `ref_${++drawn}`) }));
  const id = await draftWith(action, { sku: 'SKU-1' });
  const gateway = gatewayWith(action as never);
  // The approver is shown the value the preview was made from (zod drew one for the listed schema too).
  const [once] = seen.preview as { ref: string }[];
  expect(once).toEqual({ sku: 'SKU-1', ref: `ref_${drawn}` });
  expect(gateway.actions.view((await gateway.actions.get(id))!).input).toEqual(once);
  await gateway.actions.approve(id, approver(), { reason: 'checked', surface: 'cli' });
  await gateway.actions.rollback(id, approver(), { reason: 'undo', surface: 'cli' });
  expect([seen.executed, seen.verified, seen.rolledBack]).toEqual([[once], [once], [once]]);
});

it('a default changed by a redeploy after drafting does not change what executes: the one previewed is kept (review)', async () => {
  const before = orderAction(z.object({ sku: z.string(), dry_run: z.boolean().default(true) }));
  const id = await draftWith(before.action, { sku: 'SKU-1' });
  const after = orderAction(z.object({ sku: z.string(), dry_run: z.boolean().default(false) }));
  const done = await gatewayWith(after.action as never).actions.approve(id, approver(), {
    reason: 'looks right',
    surface: 'cli',
  });
  // Stored with its default filled in, the draft executes what its preview showed.
  expect(done.status).toBe('verified');
  expect(after.seen.executed).toEqual([{ sku: 'SKU-1', dry_run: true }]);
});

it('with one-way transforms the arguments as sent are kept; no arguments at all still transform once (review)', async () => {
  const transformed = orderAction(
    z.object({
      cents: z
        .number()
        .default(10)
        .transform((usd) => usd * 100),
    }),
  );
  // No arguments at all: the parsed input was kept, and its transform ran again at execute.
  const id = await draftWith(transformed.action);
  const done = await gatewayWith(transformed.action as never).actions.approve(id, approver(), {
    reason: 'looks right',
    surface: 'cli',
  });
  expect(done.status).toBe('verified');
  expect([transformed.seen.preview, transformed.seen.executed]).toEqual([[{ cents: 1_000 }], [{ cents: 1_000 }]]);
});

it.each([
  // z.encode "succeeds" by running the overwrite again (100,000), and such drafts failed after approval.
  [
    'an overwrite that is not idempotent',
    z.object({ cents: z.number().overwrite((usd) => Math.round(usd * 100)) }),
    { cents: 10 },
    { cents: 1_000 },
  ],
  // The digest's JSON threw on a BigInt, and no such draft could be made.
  [
    'a BigInt',
    z.object({ order_id: z.string().regex(/^\d+$/).transform(BigInt) }),
    { order_id: '9007199254740993' },
    { order_id: 9007199254740993n },
  ],
] as const)('%s drafts and executes what was previewed (second review)', async (_, input, args, once) => {
  const { action, seen } = orderAction(input);
  const id = await draftWith(action, args);
  const done = await gatewayWith(action as never).actions.approve(id, approver(), {
    reason: 'looks right',
    surface: 'cli',
  });
  expect(done.status).toBe('verified');
  expect([seen.preview, seen.executed]).toEqual([[once], [once]]);
});

it('an input that parses to another value each time is refused when the model drafts, not after approval', async () => {
  let drawn = 0;
  const { action, seen } = orderAction(
    z.object({
      cents: z.number().transform((usd) => usd * 100),
      ref: z.string().default(() => `ref_${++drawn}`),
    }),
  );
  const r = await gatewayWith(action as never).call({
    tool: action.name,
    args: { cents: 10 },
    principal: requester,
    client: 'app',
    surface: 'direct',
  });
  expect(r.ok).toBe(false);
  expect(!r.ok && r.error).toMatchObject({
    code: 'internal',
    message: 'This action cannot keep its input for approval: parsing it again gives another value.',
  });
  expect(seen.executed).toEqual([]);
  expect(await t.store.drafts.list({ status: 'awaiting_approval', limit: 10 })).toEqual([]);
});

describe('drafts made before the digest was kept (their input stored already parsed)', () => {
  /** Rewrites a draft as an earlier version stored it: the parsed input, no digest, its hash to match. */
  function asLegacy(id: string, parsed: unknown) {
    const db = new Database(t.path);
    try {
      const row = db.prepare('SELECT tool, preview, state FROM drafts WHERE id = ?').get(id) as {
        tool: string;
        preview: string;
        state: string;
      };
      const { inputDigest: _, ...state } = JSON.parse(row.state) as Record<string, unknown>;
      db.prepare('UPDATE drafts SET input = ?, draft_hash = ?, state = ? WHERE id = ?').run(
        canonicalJson(parsed),
        draftHash(row.tool, parsed, JSON.parse(row.preview)),
        JSON.stringify(state),
        id,
      );
    } finally {
      db.close();
    }
  }

  it('run as before where parsing again changes nothing', async () => {
    const { action, seen } = orderAction(z.object({ sku: z.string().trim(), qty: z.number().default(1) }));
    const id = await draftWith(action, { sku: 'SKU-1' });
    asLegacy(id, { sku: 'SKU-1', qty: 1 });
    const done = await gatewayWith(action as never).actions.approve(id, approver(), {
      reason: 'looks right',
      surface: 'cli',
    });
    expect(done.status).toBe('verified');
    expect(seen.executed).toEqual([{ sku: 'SKU-1', qty: 1 }]);
  });

  it('are refused, nothing run, where a transform would run a second time (1,000 cents became 100,000)', async () => {
    const { action, seen } = orderAction(z.object({ cents: z.number().transform((usd) => usd * 100) }));
    const id = await draftWith(action, { cents: 10 });
    asLegacy(id, { cents: 1_000 });
    const done = await gatewayWith(action as never).actions.approve(id, approver(), {
      reason: 'looks right',
      surface: 'cli',
    });
    expect(done.status).toBe('failed');
    expect(seen.executed).toEqual([]);
    const [failed] = await t.store.audit.query({ kind: 'action.failed' });
    expect(failed?.reason).toBe(
      `Draft ${id}'s input was kept already transformed by an earlier version, and would be transformed again; ` +
        'draft it anew. Nothing was run with it.',
    );
  });
});
