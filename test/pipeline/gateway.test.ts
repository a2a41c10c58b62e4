import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { Store } from '../../src/store/types.js';
import { agent, credentials, fixtureTools, SECRET } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';

let store: Store;
let cleanup: () => Promise<void>;
let gw: Gateway;
beforeEach(async () => {
  ({ store, cleanup } = await tempSqliteStore());
  gw = createGateway({ tools: fixtureTools, store, credentials });
});
afterEach(async () => cleanup());

const code = async (tool: string, args: unknown) => {
  const r = await call(tool, args);
  return r.ok ? 'ok' : r.error.code;
};
const call = (tool: string, args: unknown, principal = agent) =>
  gw.call({ tool, args, principal, client: 'support_app', surface: 'internal', requestId: 'req_1', callId: 'toolu_1' });

describe('gateway.call', () => {
  it('keeps the audit row bounded: a caller-chosen call id and the output source ids are cut', async () => {
    // A 900 KB JSON-RPC id was stored whole, and 100 source ids of 1 MB made one 100 MB audit row
    // that held up every commit behind it (outside probe, 2026-12-07).
    const longIds = defineTool({
      name: 'get_long_ids',
      description: 'Return records whose ids an upstream chose, at any length.',
      input: z.object({}),
      output: z.object({ source_records: z.array(z.string()) }),
      scopes: ['billing:read'],
      tenant: 'caller',
      handler: () => ({ source_records: ['short', 'x'.repeat(100_000), 'y'.repeat(300)] }),
    });
    const bounded = createGateway({ tools: [longIds], store, credentials });
    const r = await bounded.call({
      tool: 'get_long_ids',
      args: {},
      principal: agent,
      client: 'app',
      surface: 'internal',
      callId: 'c'.repeat(900_000),
    });
    const event = await store.audit.get(r.auditId!);
    expect(event!.callId!.length).toBeLessThan(200);
    expect(event!.sourceIds[0]).toBe('short');
    expect(event!.sourceIds.every((id) => id.length < 300)).toBe(true);
    expect(event!.sourceIds[1]).toMatch(/^x{256}… \[99744 more characters\]$/);
  });

  it('returns a compact result with structured content, text and the audit id of a stored event', async () => {
    const r = await call('get_customer_summary', { customer_id: 'cus_1' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.structured).toEqual({ customer_id: 'cus_1', name: 'Ada', balance_usd: 42.5, source_records: ['cus_1'] });
    expect(JSON.parse(r.text)).toEqual(r.structured);
    const event = await store.audit.get(r.auditId);
    expect(event).toMatchObject({
      kind: 'tool_call',
      requestId: 'req_1',
      callId: 'toolu_1',
      surface: 'internal',
      client: 'support_app',
      actor: 'usr_agent',
      tenant: 'acme',
      tool: 'get_customer_summary',
      decision: 'allow',
      outcome: 'ok',
      errorCode: null,
      sourceIds: ['cus_1'],
      resultBytes: r.resultBytes,
    });
    expect(event?.reason).toContain('billing:read');
    expect(event?.inputSummary).toContain('cus_1');
  });

  it(
    'a throwing handler yields internal with no stack or message detail, and the ' + 'detail stays out of the result',
    async () => {
      const r = await call('compute_invoice_total', {});
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toEqual({
        code: 'internal',
        message: 'The tool failed unexpectedly.',
        retryable: false,
        audit_id: r.auditId,
      });
      expect(r.text).not.toMatch(/billing\.ts|hunter2|TypeError/);
      const event = await store.audit.get(r.auditId!);
      expect(event).toMatchObject({ outcome: 'error', errorCode: 'internal', decision: 'allow' });
      // The detail is kept for debugging, with PII from the upstream message masked.
      expect(event?.reason).toContain('TypeError at /srv/app/billing.ts:42');
      expect(event?.reason).toContain('[REDACTED:email]');
      expect(event?.reason).not.toContain('ada@example.com');
    },
  );

  it('masks a credential a handler puts in an error message', async () => {
    const r = await call('get_debug_info', { fail: true });
    expect(r.ok).toBe(false);
    expect(r.text).not.toContain(SECRET);
    const event = await store.audit.get(r.auditId!);
    expect(JSON.stringify(event)).not.toContain(SECRET);
  });

  it('refuses an unknown field at any depth, naming it, rather than dropping it', async () => {
    const search = defineTool({
      name: 'search_tickets',
      description: 'Searches tickets by a nested filter.',
      input: z.object({
        filter: z.object({ status: z.string() }),
        ids: z.array(z.object({ id: z.string() })).default([]),
      }),
      output: z.object({ count: z.number() }),
      scopes: ['billing:read'],
      tenant: 'caller',
      handler: () => ({ count: 0 }),
    });
    const own = createGateway({ tools: [search], store, credentials });
    const ask = (args: unknown) =>
      own.call({ tool: 'search_tickets', args, principal: agent, client: 'c', surface: 'internal' });
    // Before: the handler got { filter: { status: 'open' } } and the call succeeded.
    for (const [args, field] of [
      [{ filter: { status: 'open', sql: 'DROP TABLE x' } }, 'filter.sql'],
      [{ filter: { status: 'open' }, ids: [{ id: 'a' }, { id: 'b', path: '/etc' }] }, 'ids[1].path'],
    ] as const) {
      const r = await ask(args);
      expect(r.ok ? null : r.error).toMatchObject({ code: 'invalid_input', field });
    }
    expect((await ask({ filter: { status: 'open' } })).ok).toBe(true);
    // And the published schema says so at every level.
    const [listed] = own.listTools('c');
    const properties = listed?.inputSchema.properties as Record<
      string,
      { additionalProperties?: boolean; items?: object }
    >;
    expect(listed?.inputSchema.additionalProperties).toBe(false);
    expect(properties.filter?.additionalProperties).toBe(false);
    expect(properties.ids?.items).toMatchObject({ additionalProperties: false });
  });

  it('counts refusals for a missing scope against the caller, with calls to unknown tools', async () => {
    // Before: every forbidden call was answered and audited at once (200 calls, 200 events).
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) codes.push(await code('delete_customer_record', { customer_id: 'cus_1' }));
    for (let i = 0; i < 4; i++) codes.push(await code(`no_such_tool_${i}`, {}));
    expect(codes).toEqual([...Array(8).fill('forbidden'), 'not_found', 'not_found', 'rate_limited', 'rate_limited']);
    // Calls the caller may make are not touched by it.
    expect((await call('get_customer_summary', { customer_id: 'cus_1' })).ok).toBe(true);
  });

  it('masks a credential a handler puts in the field name of its error', async () => {
    const leaky = defineTool({
      name: 'get_leaky_field',
      description: 'Throws an input error whose field name carries its credential.',
      input: z.object({}),
      output: z.object({}),
      scopes: ['billing:read'],
      tenant: 'caller',
      credentials: ['billing_read'],
      handler: (_input, ctx) => {
        throw new ToolgateError('invalid_input', 'bad', { field: `token ${ctx.credential('billing_read')}` });
      },
    });
    const own = createGateway({ tools: [leaky], store, credentials });
    const r = await own.call({ tool: 'get_leaky_field', args: {}, principal: agent, client: 'c', surface: 'internal' });
    expect(r.ok).toBe(false);
    // Before, the field went to the caller as the handler set it.
    expect(r.text).not.toContain(SECRET);
    expect(r.ok ? null : r.error.field).toBe('token [REDACTED:credential]');
  });

  it('records denials with the policy decision and its reason', async () => {
    const r = await call('get_customer_summary', { customer_id: 'cus_2' });
    const event = await store.audit.get(r.auditId!);
    expect(event).toMatchObject({ decision: 'deny', outcome: 'denied', errorCode: 'tenant_mismatch' });
    expect(event?.reason).toMatch(/tenant mismatch: record of globex, caller of acme/);
  });

  it('refuses unknown arguments by name instead of ignoring them', async () => {
    const r = await call('get_customer_summary', { customer_id: 'cus_1', path: '/etc/passwd' });
    expect(!r.ok && r.error).toMatchObject({ code: 'invalid_input', field: 'path' });
  });

  it('refuses oversized and non-object arguments', async () => {
    const big = await call('get_customer_summary', { customer_id: 'cus_1'.padEnd(100_000, 'x') });
    expect(!big.ok && big.error.code).toBe('invalid_input');
    expect(!big.ok && big.error.message).toMatch(/accepts at most/);
    const arr = await call('get_customer_summary', ['cus_1']);
    expect(!arr.ok && arr.error.code).toBe('invalid_input');
  });

  it('an app passing a principal of the wrong shape is refused by name and audited, not "unavailable"', async () => {
    const unknown = '(malformed principal)';
    for (const [principal, said, tenant] of [
      [{ ...agent, tenant: ['globex'] }, 'principal.tenant must be a non-empty string', unknown],
      [{ ...agent, tenant: undefined }, 'principal.tenant must be a non-empty string', unknown],
      [{ ...agent, scopes: 'billing:read' }, 'principal.scopes must be a list of strings (use [] for none)', 'acme'],
      [null, 'principal must be { actorId, tenant, roles, scopes }', unknown],
      // Second review: a list for the OAuth subject still ended "unavailable", and a getter that
      // throws made the call reject.
      [{ ...agent, subject: ['x'] }, 'principal.subject must be a string when set', 'acme'],
      [
        Object.defineProperty({ ...agent }, 'tenant', {
          get() {
            throw new Error('boom');
          },
        }),
        'principal could not be read',
        unknown,
      ],
    ] as const) {
      const r = await gw.call({
        tool: 'get_customer_summary',
        args: { customer_id: 'cus_1' },
        principal: principal as never,
        client: 'app',
        surface: 'direct',
      });
      expect(!r.ok && r.error).toMatchObject({
        code: 'forbidden',
        message: `The caller's identity cannot be used: ${said}.`,
      });
      const event = await store.audit.get(r.auditId!);
      expect(event).toMatchObject({ decision: 'deny', outcome: 'denied', errorCode: 'forbidden' });
      expect(event?.tenant).toBe(tenant);
    }
  });

  it('a Date a handler returns in an open field reaches the caller as its ISO time (it was {})', async () => {
    const at = new Date('2026-12-01T08:30:00.000Z');
    const tool = defineTool({
      name: 'get_last_login',
      description: 'Return when the caller last signed in, as the identity system reports it.',
      input: z.object({}),
      output: z.object({ details: z.any() }),
      scopes: ['billing:read'],
      tenant: 'caller',
      handler: () => ({ details: { at } }),
    });
    const gateway = createGateway({ tools: [tool], store, credentials });
    const r = await gateway.call({ tool: tool.name, args: {}, principal: agent, client: 'app', surface: 'direct' });
    expect(r.ok && r.structured).toEqual({ details: { at: at.toISOString() } });
  });

  it('a value outside a large enum is refused in a few hundred characters, not with every option', async () => {
    // A 1,500-value enum sent its whole list back: 21 KB against a 2 KB result budget (outside probe).
    const skus = Array.from({ length: 1_500 }, (_, i) => `SKU-${String(i).padStart(5, '0')}`) as [string, ...string[]];
    const inventory = defineTool({
      name: 'get_inventory_level',
      description: 'Return the stock level of one SKU in the caller tenant warehouse.',
      input: z.object({ sku: z.enum(skus) }),
      output: z.object({ level: z.number() }),
      scopes: ['billing:read'],
      tenant: 'caller',
      handler: () => ({ level: 1 }),
    });
    const gateway = createGateway({ tools: [inventory], store, credentials });
    const r = await gateway.call({
      tool: inventory.name,
      args: { sku: 'SKU-99999' },
      principal: agent,
      client: 'app',
      surface: 'direct',
    });
    expect(!r.ok && r.error).toMatchObject({ code: 'invalid_input', field: 'sku' });
    expect(r.text.length).toBeLessThan(700);
    expect(!r.ok && r.error.message).toMatch(/^sku: Invalid option: expected one of .*… \[\d+ more characters\]$/);
  });

  it('an unknown record in a tenant lookup is not_found', async () => {
    const r = await call('get_customer_summary', { customer_id: 'cus_404' });
    expect(!r.ok && r.error.code).toBe('not_found');
  });

  it('N concurrent calls give N chained events and the chain verifies', async () => {
    const many = createGateway({
      tools: fixtureTools,
      store,
      credentials,
      defaults: { rate: { perMinute: 100_000, burst: 1_000 } },
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        many.call({
          tool: 'get_support_ticket',
          args: { ticket_id: `tkt_${i}` },
          principal: agent,
          client: 'c',
          surface: 'internal',
        }),
      ),
    );
    const ids = new Set(results.map((r) => r.auditId));
    expect(ids.size).toBe(50);
    const events = await store.audit.query({});
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (const e of events) expect(ids.has(e.id)).toBe(true);
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 50 });
  });

  it('withholds the result when the audit cannot be written (store down), with a typed error', async () => {
    await store.close();
    const r = await call('get_customer_summary', { customer_id: 'cus_1' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ code: 'unavailable', retryable: true, audit_id: null });
    expect(r.text).not.toContain('Ada');
  });

  it('lists only the client toolset with derived schemas and annotations', () => {
    const limited = createGateway({ tools: fixtureTools, store, toolsets: { app: ['get_customer_summary'] } });
    const listed = limited.listTools('app');
    expect(listed.map((t) => t.name)).toEqual(['get_customer_summary']);
    expect(listed[0]?.inputSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      additionalProperties: false,
      required: ['customer_id'],
    });
    expect(listed[0]?.annotations.readOnlyHint).toBe(true);
    expect(limited.listTools('stranger')).toEqual([]);
  });
});
