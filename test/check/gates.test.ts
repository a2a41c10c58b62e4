import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/define-action.js';
import { formatReport, runCheck } from '../../src/check/run-check.js';
import type { Gate } from '../../src/check/types.js';
import { runCheckCommand } from '../../src/cli/check.js';
import { defineTool } from '../../src/contract/define-tool.js';
import { limitParam } from '../../src/contract/params.js';
import type { AnyTool } from '../../src/contract/types.js';
import { runCli } from '../helpers/capture-io.js';

/** A read tool that passes every gate; each failing fixture changes one thing about it. */
const good = {
  name: 'get_invoice_summary',
  description: "Return the status, amount and due date of one invoice of the caller's tenant.",
  input: z.object({ invoice_id: z.string().describe('Invoice id, inv_…'), limit: limitParam(20) }),
  output: z.object({
    status: z.string(),
    lines: z.array(z.object({ sku: z.string() })),
    source_records: z.array(z.string()),
  }),
  scopes: ['billing:read'],
  tenant: 'caller' as const,
  credentials: ['billing_read'],
  limits: { maxResultBytes: 4_096 },
  handler: () => ({ status: 'open', lines: [], source_records: [] }),
};
const goodAction = defineAction({
  name: 'create_refund_draft',
  description: 'Draft a refund of an invoice for a billing approver to approve.',
  risk: 'high',
  approval: { roles: ['billing_approver'] },
  input: z.object({ invoice_id: z.string().describe('Invoice id') }),
  preview: z.object({ refund: z.number() }),
  scopes: ['refunds:draft'],
  tenant: 'caller',
  credentials: ['refunds_write'],
  describe: () => ({ refund: 1 }),
  execute: async () => ({}),
  verify: async () => ({ ok: true, detail: 'ok' }),
});

const gateOf = (tools: AnyTool[], gate: Gate, database = '.toolgate/t.db') =>
  runCheck({ tools }, database).tools[0]!.gates[gate];

const CASES: { gate: Gate; failing: () => AnyTool[]; database?: string; reason: RegExp }[] = [
  // Found by an outside review: each of these passed its gate before.
  {
    gate: 'tool_scope',
    failing: () => [defineTool({ ...good, input: z.object({ filters: z.array(z.any()) }) })],
    reason: /"filters" accepts arbitrary JSON/,
  },
  {
    gate: 'tool_scope',
    failing: () => [defineTool({ ...good, input: z.object({ targetUrl: z.string() }) })],
    reason: /targetUrl/,
  },
  {
    gate: 'tool_scope',
    failing: () => [defineTool({ ...good, input: z.object({ sqlQuery: z.string() }) })],
    reason: /sqlQuery/,
  },
  {
    gate: 'read_only_proof',
    failing: () => [defineTool({ ...good, sourcesField: 'no_such_field' })],
    reason: /sourcesField "no_such_field" is not a field of the output/,
  },
  {
    gate: 'output_budget',
    failing: () => [
      defineTool({
        ...good,
        output: z.object({
          orders: z.array(z.object({ lines: z.array(z.string()) })),
          source_records: z.array(z.string()),
        }),
        handler: () => ({ orders: [], source_records: [] }),
      }),
    ],
    reason: /"orders\[\]\.lines" is unbounded: a limit input bounds only top-level lists/,
  },
  {
    gate: 'write_preview',
    failing: () => [defineTool({ ...good, name: 'close_ticket' })],
    reason: /named like a write/,
  },
  {
    gate: 'prompt_guard',
    failing: () => [
      defineTool({
        ...good,
        output: z.object({ replyText: z.string(), source_records: z.array(z.string()) }),
        handler: () => ({ replyText: '', source_records: [] }),
      }),
    ],
    reason: /replyText/,
  },
  {
    gate: 'tool_scope',
    failing: () => [defineTool({ ...good, input: z.object({ sql: z.string() }) })],
    reason: /free-form sql/,
  },
  {
    gate: 'tool_scope',
    failing: () => [defineTool({ ...good, input: z.object({ endpoint_url: z.string() }) })],
    reason: /endpoint_url/,
  },
  {
    gate: 'tool_scope',
    failing: () => [defineTool({ ...good, input: z.object({ filter: z.record(z.string(), z.unknown()) }) })],
    reason: /arbitrary JSON/,
  },
  {
    gate: 'credential_scope',
    failing: () => [defineTool({ ...good, credentials: [] })],
    reason: /declares no credentials/,
  },
  {
    gate: 'credential_scope',
    failing: () => [defineTool({ ...good, credentials: ['acme_admin_token'] })],
    reason: /admin credential/,
  },
  {
    gate: 'credential_scope',
    failing: () => [defineTool({ ...good, credentials: ['refunds_write'] }), goodAction],
    reason: /shares a credential with action/,
  },
  { gate: 'read_only_proof', failing: () => [defineTool({ ...good, limits: {} })], reason: /no explicit result limit/ },
  {
    gate: 'read_only_proof',
    failing: () => [
      defineTool({ ...good, output: z.object({ status: z.string() }), handler: () => ({ status: 'x' }) }),
    ],
    reason: /no source ids/,
  },
  {
    gate: 'write_preview',
    failing: () => [defineTool({ ...good, name: 'delete_customer_account' })],
    reason: /named like a write/,
  },
  {
    gate: 'approval_path',
    failing: () => [
      { ...goodAction, action: { ...goodAction.action!, approval: { ...goodAction.action!.approval, roles: [] } } },
    ],
    reason: /no approver roles/,
  },
  { gate: 'audit_log', failing: () => [defineTool(good)], database: ':memory:', reason: /not durable/ },
  {
    gate: 'output_budget',
    failing: () => [defineTool({ ...good, input: z.object({ invoice_id: z.string() }) })],
    reason: /"lines" is unbounded/,
  },
  {
    gate: 'output_budget',
    failing: () => [defineTool({ ...good, limits: { maxResultBytes: 400_000, maxResultTokens: 100_000 } })],
    reason: /exceeds Claude Code/,
  },
  {
    gate: 'prompt_guard',
    failing: () => [
      defineTool({
        ...good,
        output: z.object({
          notes: z.array(z.object({ text: z.string() })).max(5),
          source_records: z.array(z.string()),
        }),
        handler: () => ({ notes: [], source_records: [] }),
      }),
    ],
    reason: /notes\[\]\.text.*not declared untrusted/,
  },
  {
    // The README's example declared `notes[].text` on an output without `notes`: it fenced
    // nothing, and the gate passed it (outside probe, 2026-12-07).
    gate: 'prompt_guard',
    failing: () => [defineTool({ ...good, untrusted: [{ field: 'notes[].text', kind: 'crm_note' }] })],
    reason: /"notes\[\]\.text" is declared untrusted but the output has no such field/,
  },
];

describe('toolgate check gates', () => {
  it('the passing fixtures pass every gate (or are n/a)', () => {
    const report = runCheck({ tools: [defineTool(good), goodAction] }, '.toolgate/t.db');
    expect(report.ok, JSON.stringify(report.tools, null, 1)).toBe(true);
    expect(report.tools[0]!.gates.write_preview.status).toBe('n/a');
    expect(report.tools[1]!.gates).toMatchObject({
      write_preview: { status: 'pass' },
      approval_path: { status: 'pass' },
      read_only_proof: { status: 'n/a' },
    });
  });

  for (const c of CASES) {
    it(`${c.gate} fails: ${c.reason.source}`, () => {
      const result = gateOf(c.failing(), c.gate, c.database);
      expect(result.status).toBe('fail');
      expect(result.reason).toMatch(c.reason);
    });
  }

  // A union of typed objects, a tuple and a record of numbers were failed as arbitrary JSON, so a
  // `filter` that is one shape or another could not pass (outside probe).
  it('tool_scope fails a host, webhook, WHERE clause, template or expression input (they passed)', () => {
    for (const name of [
      'host',
      'smtp_host',
      'webhook',
      'where',
      'where_clause',
      'template',
      'email_template',
      'expression',
    ])
      expect(
        gateOf([defineTool({ ...good, input: z.object({ [name]: z.string().describe('x') }) })], 'tool_scope'),
      ).toMatchObject({
        status: 'fail',
        reason: `input "${name}" takes a free-form ${name}; ask for ids, enums and time windows instead`,
      });
    for (const name of ['hosting_plan_id', 'template_id', 'nowhere_count'])
      expect(
        gateOf([defineTool({ ...good, input: z.object({ [name]: z.string().describe('x') }) })], 'tool_scope'),
      ).toMatchObject({ status: 'pass' });
  });

  it('tool_scope judges by name only fields that take text, and follows $ref to an open object (review)', () => {
    const scope = (input: z.ZodObject) => gateOf([defineTool({ ...good, input })], 'tool_scope');
    expect(scope(z.object({ email_template: z.enum(['welcome', 'reset']).describe('x') }))).toMatchObject({
      status: 'pass',
    });
    expect(scope(z.object({ callback: z.boolean().describe('x') }))).toMatchObject({ status: 'pass' });
    for (const typed of [
      z.enum(['welcome', 'reset']).nullable(),
      z.union([z.literal('a'), z.literal('b')]),
      z.object({ status: z.enum(['open', 'closed']) }),
    ])
      expect(scope(z.object({ template: typed.describe('x') }))).toMatchObject({ status: 'pass' });
    const Loose = z.record(z.string(), z.any()).meta({ id: 'Loose' });
    const typed = z.object({ kind: z.literal('a') });
    for (const open of [
      z.union([typed, Loose]),
      z.array(Loose),
      // Arbitrary JSON by another name: recursive, with no named field anywhere (both passed).
      z.json(),
      z.record(z.string(), z.json()),
      z.intersection(typed, z.record(z.string(), z.any())),
    ])
      expect(scope(z.object({ filter: open.describe('x') }))).toMatchObject({ status: 'fail' });
  });

  it('tool_scope tells typed unions, tuples and records from arbitrary JSON', () => {
    const scope = (filter: z.ZodType) =>
      gateOf([defineTool({ ...good, input: z.object({ filter: filter.describe('x') }) })], 'tool_scope');
    const byCustomer = z.object({ kind: z.literal('customer'), customer_id: z.string() });
    const byPeriod = z.object({ kind: z.literal('period'), from: z.iso.date(), to: z.iso.date() });
    for (const typed of [
      z.discriminatedUnion('kind', [byCustomer, byPeriod]),
      z.union([byCustomer, byPeriod]),
      z.tuple([z.number(), z.number()]),
      z.partialRecord(z.enum(['low', 'high']), z.number().min(0).max(1)),
      z.record(z.string(), z.number()),
      z.array(z.union([byCustomer, byPeriod])),
    ])
      expect(scope(typed)).toMatchObject({ status: 'pass' });
    for (const open of [
      z.record(z.string(), z.any()),
      z.array(z.any()),
      z.tuple([z.number(), z.any()]),
      z.union([byCustomer, z.looseObject({})]),
      z.union([z.string(), z.unknown()]),
      z.looseObject({ kind: z.string() }),
    ])
      expect(scope(open)).toMatchObject({
        status: 'fail',
        reason: 'input "filter" accepts arbitrary JSON; give it explicit properties',
      });
  });

  it('prompt_guard sees a record of text, and a declared record or object covers what is inside', () => {
    // An undeclared `messages: z.record(z.string(), z.string())` passed (outside probe).
    const withMessages = (untrusted: { field: string; kind: string }[]) =>
      defineTool({
        ...good,
        output: z.object({
          messages: z.record(z.string(), z.string()),
          thread: z.object({ body: z.string() }),
          source_records: z.array(z.string()),
        }),
        untrusted,
        handler: () => ({ messages: {}, thread: { body: '' }, source_records: [] }),
      });
    expect(gateOf([withMessages([{ field: 'thread', kind: 'email' }])], 'prompt_guard')).toMatchObject({
      status: 'fail',
      reason: '"messages" looks like ticket/note/email text but is not declared untrusted',
    });
    const both = [
      { field: 'messages', kind: 'chat' },
      { field: 'thread', kind: 'email' },
    ];
    expect(gateOf([withMessages(both)], 'prompt_guard')).toMatchObject({ status: 'pass' });
  });

  it('prompt_guard looks into a record of objects, as into a list of them (review)', () => {
    const threads = (values: z.ZodType, untrusted: { field: string; kind: string }[] = []) =>
      gateOf(
        [
          defineTool({
            ...good,
            output: z.object({ threads: values, source_records: z.array(z.string()) }),
            untrusted,
            handler: () => ({ threads: {}, source_records: [] }),
          }),
        ],
        'prompt_guard',
      );
    const recordOfObjects = z.record(z.string(), z.object({ body: z.string() }));
    expect(threads(recordOfObjects)).toMatchObject({
      status: 'fail',
      reason: '"threads.*.body" looks like ticket/note/email text but is not declared untrusted',
    });
    expect(threads(recordOfObjects, [{ field: 'threads', kind: 'email' }])).toMatchObject({ status: 'pass' });
  });

  it('prompt_guard finds a declared field under nested lists and in a schema shared through $defs', () => {
    // The first stray-declaration check read fieldsOf's list, which has no `threads[][]` and
    // visits a shared schema under its first path only: both were failed as "no such field" (review).
    const nested = defineTool({
      ...good,
      output: z.object({ threads: z.array(z.array(z.string()).max(5)).max(5), source_records: z.array(z.string()) }),
      untrusted: [{ field: 'threads[][]', kind: 'email' }],
      handler: () => ({ threads: [], source_records: [] }),
    });
    expect(gateOf([nested], 'prompt_guard')).toMatchObject({ status: 'pass' });
    const Note = z.object({ id: z.string(), body: z.string() }).meta({ id: 'Note' });
    const shared = defineTool({
      ...good,
      output: z.object({ notes: z.array(Note).max(5), pinned: Note, source_records: z.array(z.string()) }),
      untrusted: [
        { field: 'notes[].body', kind: 'crm_note' },
        { field: 'pinned.body', kind: 'crm_note' },
      ],
      handler: () => ({ notes: [], pinned: { id: 'n', body: '' }, source_records: [] }),
    });
    expect(gateOf([shared], 'prompt_guard')).toMatchObject({ status: 'pass' });
  });

  it('declaring the text untrusted fixes prompt_guard', () => {
    const tool = defineTool({
      ...good,
      output: z.object({
        notes: z.array(z.object({ id: z.string(), text: z.string() })).max(5),
        source_records: z.array(z.string()),
      }),
      untrusted: [{ field: 'notes[].text', kind: 'crm_note', sourceIdField: 'id' }],
      handler: () => ({ notes: [], source_records: [] }),
    });
    expect(gateOf([tool], 'prompt_guard')).toMatchObject({ status: 'pass' });
  });

  // The guard covers a list of strings declared by its own name (`comments`) or as `comments[]`;
  // the gate did not look at lists of strings at all, so it passed them undeclared.
  it('prompt_guard judges a list of strings as text: undeclared fails, declared either way passes', () => {
    const withComments = (untrusted?: { field: string; kind: string }[]) =>
      defineTool({
        ...good,
        output: z.object({ comments: z.array(z.string()).max(5), source_records: z.array(z.string()) }),
        ...(untrusted ? { untrusted } : {}),
        handler: () => ({ comments: [], source_records: [] }),
      });
    expect(gateOf([withComments()], 'prompt_guard')).toMatchObject({
      status: 'fail',
      reason: expect.stringMatching(/"comments" looks like .* not declared untrusted/),
    });
    expect(gateOf([withComments([{ field: 'comments', kind: 'ticket_comment' }])], 'prompt_guard')).toMatchObject({
      status: 'pass',
    });
    expect(gateOf([withComments([{ field: 'comments[]', kind: 'ticket_comment' }])], 'prompt_guard')).toMatchObject({
      status: 'pass',
    });
  });

  // Redaction reads text; a phone returned as a number leaves unmasked, so check says so.
  it('warns about PII-named output fields that are numbers, and not about strings or counts', () => {
    const tool = defineTool({
      ...good,
      output: z.object({
        contact: z.object({ phone_number: z.number(), mobile: z.string(), card_count: z.number() }),
        source_records: z.array(z.string()),
      }),
      handler: () => ({ contact: { phone_number: 1, mobile: '', card_count: 0 }, source_records: [] }),
    });
    const { warnings } = runCheck({ tools: [tool] }, 'db').tools[0]!;
    expect(warnings.filter((w) => w.includes('redaction does not scan'))).toEqual([
      'output fields that look like PII are numbers, which redaction does not scan: contact.phone_number ' +
        '(return them as strings, or leave them out)',
    ]);
    expect(runCheck({ tools: [defineTool(good)] }, 'db').tools[0]!.warnings.join()).not.toContain('redaction');
  });

  // Outside probe: a tenant: 'caller' tool taking tenant_id served beta's records to alpha.
  it("warns about a tenant-like input on a tool marked tenant: 'caller', and not elsewhere", () => {
    const warningsOf = (input: z.ZodObject, tenant: 'caller' | { ownerOf: () => null } = 'caller') =>
      runCheck({ tools: [defineTool({ ...good, input, tenant })] }, 'db')
        .tools[0]!.warnings.filter((w) => w.includes('tenant'))
        .join('\n');
    for (const name of [
      'tenant_id',
      'tenantId',
      'org_id',
      'organization',
      'workspace_slug',
      'company',
      'billing_tenant',
    ])
      expect(warningsOf(z.object({ [name]: z.string().describe('x') }))).toBe(
        `input "${name}" looks like a tenant id on a tool marked tenant: 'caller'; scope the handler to ` +
          `ctx.principal.tenant and drop the input, or use tenant: { ownerOf } to check the record it names`,
      );
    expect(warningsOf(z.object({ filter: z.object({ tenant: z.string() }).describe('x') }))).toMatch(
      /^input "filter.tenant" looks like a tenant id/,
    );
    for (const name of ['invoice_id', 'contenant', 'organizer', 'company_size_bucket'])
      expect(warningsOf(z.object({ [name]: z.string().describe('x') }))).toBe('');
    expect(warningsOf(z.object({ tenant_id: z.string().describe('x') }), { ownerOf: () => null })).toBe('');
  });

  it('reports toolset definition sizes and vague descriptions', () => {
    const report = runCheck(
      {
        tools: [
          defineTool({ ...good, description: 'Gets it.', input: z.object({ x: z.string(), limit: limitParam() }) }),
        ],
        toolsets: { app: ['get_invoice_summary'] },
      },
      'db',
    );
    expect(report.toolsets).toEqual([{ client: 'app', tools: 1, definitionTokens: expect.any(Number) }]);
    expect(report.toolsets[0]!.definitionTokens).toBeGreaterThan(20);
    expect(report.tools[0]!.warnings.join('\n')).toMatch(
      /description is short[\s\S]*parameters without descriptions: x/,
    );
  });

  it('the CLI exits 0 on the walkthrough toolset and prints the table', async () => {
    const { code, out } = await runCli(runCheckCommand, [
      '--config',
      fileURLToPath(new URL('../../examples/walkthrough/toolgate.config.ts', import.meta.url)),
    ]);
    expect(out).toMatch(/get_customer_billing_summary\s+pass\s+pass\s+pass\s+n\/a\s+n\/a\s+pass\s+pass\s+pass/);
    expect(code).toBe(0);
  });

  it('the CLI exits 1 and names the failure on a bad toolset', async () => {
    const { code, out } = await runCli(runCheckCommand, [
      '--json',
      '--config',
      fileURLToPath(new URL('./bad.config.ts', import.meta.url)),
    ]);
    expect(code).toBe(1);
    const report = JSON.parse(out) as { ok: boolean; tools: { gates: Record<string, { status: string }> }[] };
    expect(report.ok).toBe(false);
    expect(report.tools[0]!.gates.tool_scope?.status).toBe('fail');
  });
});

describe('toolgate check on a config with no tools', () => {
  it('says nothing was checked, not "All gates pass"', () => {
    const out = formatReport(runCheck({ tools: [] }, ':memory:'));
    expect(out).toMatch(/No tools are defined: nothing was checked\.$/);
    expect(out).not.toContain('All gates pass');
  });
});
