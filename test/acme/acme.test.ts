import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactnessReport } from '../../examples/acme/compactness.js';
import { startAcmeHarness } from '../../examples/acme/harness.js';
import { DEMO_PRINCIPALS } from '../../examples/acme/principals.js';
import { runCheck } from '../../src/check/run-check.js';
import { lastToolResults, reply, startScriptedModel } from '../../src/scripted-model/server.js';
import { runToolLoop } from '../../src/surfaces/direct/run-tool-loop.js';

let harness: Awaited<ReturnType<typeof startAcmeHarness>>;
beforeAll(async () => {
  harness = await startAcmeHarness();
});
afterAll(async () => harness.close());

describe('the Acme demo toolset', () => {
  it('passes toolgate check cleanly', async () => {
    const { default: config } = await import('../../examples/acme/toolgate.config.js');
    const report = runCheck(config, '.toolgate/demo.db');
    expect(
      report.ok,
      JSON.stringify(report.tools.map((t) => [t.tool, Object.entries(t.gates).filter(([, g]) => g.status === 'fail')])),
    ).toBe(true);
  });

  it('returns each read result at least 10× smaller than the raw payload, keeping what an agent needs', async () => {
    const rows = await compactnessReport(harness.gateway, harness.acmeUrl, harness.tokens);
    for (const row of rows) expect(row.ratio, row.tool).toBeGreaterThanOrEqual(10);
    const [billing, tickets, incidents] = rows;
    expect(billing?.result).toMatchObject({
      customer_id: 'cus_123',
      billing_status: 'past_due',
      latest_invoice: { id: 'inv_789' },
      recommended_next_action: expect.any(String),
      source_records: expect.arrayContaining(['inv_789']),
    });
    expect(tickets?.result).toMatchObject({ total: 8, next_cursor: expect.any(String) });
    expect(JSON.stringify(tickets?.result)).not.toMatch(/example\.com|\+44 20/); // PII of the raw rows is gone
    expect(incidents?.result).toMatchObject({
      service: 'checkout',
      counts: { error: expect.any(Number) },
      top_errors: expect.any(Array),
    });
  });

  it(
    'read-only end-to-end proof: scripted model → tool_use → pipeline → Acme → ' +
      'compact result → audit → final text',
    async () => {
      const model = await startScriptedModel((request, turn) => {
        if (turn === 1)
          return {
            stop_reason: 'tool_use',
            content: [
              reply.toolUse(
                'get_customer_billing_summary',
                { customer_id: 'cus_123', reason: 'customer asked about their billing status' },
                'toolu_e2e',
              ),
            ],
          };
        const summary = JSON.parse(String(lastToolResults(request)[0]?.content)) as {
          billing_status: string;
          open_invoice_count: number;
          recommended_next_action: string;
        };
        return {
          stop_reason: 'end_turn',
          content: [
            reply.text(
              `cus_123 is ${summary.billing_status} with ${summary.open_invoice_count} open invoices; ${summary.recommended_next_action}.`,
            ),
          ],
        };
      });
      const out = await runToolLoop({
        anthropic: new Anthropic({ apiKey: 'scripted', baseURL: model.url, maxRetries: 0 }),
        gateway: harness.gateway,
        principal: DEMO_PRINCIPALS.agent,
        client: 'support_assistant',
        requestId: 'req_e2e',
        params: {
          model: 'claude-sonnet-5-5',
          max_tokens: 512,
          messages: [
            { role: 'user', content: 'What is the billing status of customer cus_123 and what should I tell them?' },
          ],
        },
      });
      await model.close();
      expect(out.text).toBe('cus_123 is past_due with 2 open invoices; ask customer to update payment method.');
      const event = await harness.store.audit.get(out.calls[0]!.auditId!);
      expect(event).toMatchObject({
        tool: 'get_customer_billing_summary',
        surface: 'direct',
        callId: 'toolu_e2e',
        outcome: 'ok',
        actor: 'usr_support_ada',
        sourceIds: expect.arrayContaining(['inv_789']),
      });
      expect(model.requests[0]?.tools?.length).toBe(6);
    },
  );

  it('ticket injection text comes back wrapped and flagged; other-tenant customers are out of reach', async () => {
    const r = await harness.gateway.call({
      tool: 'search_support_ticket',
      args: { customer_id: 'cus_123', query: 'ignore', limit: 3 },
      principal: DEMO_PRINCIPALS.agent,
      client: 'support_assistant',
      surface: 'internal',
    });
    expect(r.ok && r.warnings.length).toBeGreaterThan(0);
    expect(r.ok && String((r.structured.tickets as { excerpt: string }[])[0]?.excerpt)).toMatch(
      /^<untrusted_content source="support_ticket:/,
    );
    const foreign = await harness.gateway.call({
      tool: 'get_customer_billing_summary',
      args: { customer_id: 'cus_204', reason: 'cross-tenant probe' },
      principal: DEMO_PRINCIPALS.agent,
      client: 'support_assistant',
      surface: 'internal',
    });
    expect(!foreign.ok && foreign.error.code).toBe('not_found');
  });

  it(
    'refund: drafted by the agent, approved by the lead, executed once against Acme, ' + 'verified, rolled back',
    async () => {
      const drafted = await harness.gateway.call({
        tool: 'create_refund_draft',
        args: { invoice_id: 'inv_789', amount_usd: 10, reason: 'customer was double charged' },
        principal: DEMO_PRINCIPALS.agent,
        client: 'support_assistant',
        surface: 'internal',
      });
      expect(drafted.ok && drafted.structured).toMatchObject({
        status: 'awaiting_approval',
        reversible: true,
        preview: { refund_usd: 10, invoice_id: 'inv_789' },
      });
      const id = (drafted.ok && (drafted.structured.draft_id as string)) || '';
      const done = await harness.gateway.actions.approve(id, DEMO_PRINCIPALS.approver, {
        reason: 'double charge confirmed',
        surface: 'api',
      });
      expect(done.status).toBe('verified');
      await expect(
        harness.gateway.actions.approve(id, DEMO_PRINCIPALS.approver, { reason: 'again', surface: 'api' }),
      ).rejects.toMatchObject({ code: 'conflict' });
      const rolled = await harness.gateway.actions.rollback(id, DEMO_PRINCIPALS.approver, {
        reason: 'customer withdrew',
        surface: 'api',
      });
      expect(rolled.status).toBe('rolled_back');
      const tooMuch = await harness.gateway.call({
        tool: 'create_refund_draft',
        args: { invoice_id: 'inv_789', amount_usd: 9_999, reason: 'too much money' },
        principal: DEMO_PRINCIPALS.agent,
        client: 'support_assistant',
        surface: 'internal',
      });
      expect(!tooMuch.ok && tooMuch.error).toMatchObject({ code: 'invalid_input', field: 'amount_usd' });
    },
  );

  it('a low-risk account note is auto-approved, executed once and verified', async () => {
    const r = await harness.gateway.call({
      tool: 'append_account_note',
      args: {
        customer_id: 'cus_123',
        note: 'Told the customer to update the card.',
        reason: 'record the advice given',
      },
      principal: DEMO_PRINCIPALS.agent,
      client: 'support_assistant',
      surface: 'internal',
    });
    expect(r.ok && r.structured).toMatchObject({ status: 'verified', risk: 'low' });
  });
});
