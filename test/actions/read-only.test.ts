import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import acmeConfig from '../../examples/acme/toolgate.config.js';
import { runCheck } from '../../src/check/run-check.js';
import { draftDetail, inbox } from '../../src/console/draft-pages.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { messagesTools } from '../../src/surfaces/direct/tool-definitions.js';
import type { Store } from '../../src/store/types.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startTestServer } from '../helpers/http-server.js';
import { approver, refundAction, refundCredentials, requester, statusTool } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { messageOf } from '../helpers/json-rpc-body.js';

// Issue #16: `readOnly` switches every write action off — not listed and refused on all three
// routes, waiting drafts not executed — and says so in check, in the console and in the audit.
let api: FakeRefundApi;
let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  api = await startFakeRefundApi();
  ({ store, cleanup } = await tempSqliteStore());
});
afterAll(async () => {
  await api.close();
  await cleanup();
});

const tools = () => [refundAction(api.url), statusTool];
const REQUESTER_TOKEN = 'requester-token-read-only-0123456';
const gatewayOf = (readOnly: boolean) =>
  createGateway({ tools: tools(), store, credentials: refundCredentials, readOnly });
const refundArgs = { invoice_id: 'inv_789', amount_usd: 25, reason: 'duplicate charge' };
const decide = { reason: 'checked the invoice', surface: 'api' as const };

describe('direct Messages-API route', () => {
  it('lists no actions, and a call to one is refused as forbidden and audited', async () => {
    const gw = gatewayOf(true);
    expect(messagesTools(gw, 'support_app', requester).map((t) => t.name)).not.toContain('create_refund_draft');
    expect(messagesTools(gatewayOf(false), 'support_app', requester).map((t) => t.name)).toContain(
      'create_refund_draft',
    );
    const result = await gw.call({
      tool: 'create_refund_draft',
      args: refundArgs,
      principal: requester,
      client: 'support_app',
      surface: 'direct',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('forbidden');
    expect(result.error.message).toMatch(/read-only/);
    const event = await store.audit.get(result.auditId!);
    expect(event).toMatchObject({ outcome: 'denied', errorCode: 'forbidden', tool: 'create_refund_draft' });
    expect(event?.reason).toMatch(/read-only/);
    expect(api.refunds.size).toBe(0);
  });

  it('a draft made before the switch cannot be approved or rolled back, only rejected', async () => {
    const before = await gatewayOf(false).call({
      tool: 'create_refund_draft',
      args: refundArgs,
      principal: requester,
      client: 'support_app',
      surface: 'direct',
    });
    if (!before.ok) throw new Error(before.text);
    const id = (before.structured as { draft_id: string }).draft_id;
    const gw = gatewayOf(true);
    await expect(gw.actions.approve(id, approver(), decide)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(gw.actions.rollback(id, approver(), decide)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await gw.actions.get(id))?.status).toBe('awaiting_approval');
    expect(api.refunds.size).toBe(0);
    const refused = await store.audit.query({ sourceId: id, kind: 'action.decision_refused' });
    expect(refused.map((e) => e.reason)).toEqual([
      expect.stringMatching(/read-only/),
      expect.stringMatching(/read-only/),
    ]);
    expect((await gw.actions.reject(id, approver(), decide)).status).toBe('rejected');
  });
});

describe('MCP over Streamable HTTP (fast path and SDK path)', () => {
  const rpc = (id: number, method: string, params?: unknown) => ({ jsonrpc: '2.0', id, method, params });
  for (const fastPath of ['on', 'off']) {
    it(`fast path ${fastPath}: tools/list has no actions, tools/call of one is refused`, async () => {
      // The requester holds the scopes the action needs, so only the switch can hide it.
      const server = await startTestServer(
        {
          tools: tools(),
          credentials: refundCredentials,
          readOnly: true,
          server: { tokens: [{ token: REQUESTER_TOKEN, principal: requester, client: 'support_app' }] },
        },
        { TOOLGATE_FAST_PATH: fastPath },
      );
      try {
        const post = async (body: unknown) => {
          const res = await fetch(`${server.url}/mcp`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              authorization: `Bearer ${REQUESTER_TOKEN}`,
            },
            body: JSON.stringify(body),
          });
          return messageOf(await res.text()) as { result: Record<string, unknown> };
        };
        const listed = await post(rpc(1, 'tools/list'));
        expect((listed.result.tools as { name: string }[]).map((t) => t.name)).toEqual(['get_action_status']);
        const called = await post(rpc(2, 'tools/call', { name: 'create_refund_draft', arguments: refundArgs }));
        expect(called.result.isError).toBe(true);
        expect(JSON.stringify(called.result.content)).toMatch(/forbidden.*read-only/);
        const [event] = await server.store.audit.query({ tool: 'create_refund_draft' });
        expect(event).toMatchObject({ surface: 'mcp_http', outcome: 'denied' });
      } finally {
        await server.stop();
      }
    });
  }
});

describe('MCP over stdio (Claude Code)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-readonly-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('`toolgate stdio --read-only` lists no actions and refuses a call to one', async () => {
    const bin = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
    const config = fileURLToPath(new URL('../../examples/acme/toolgate.config.ts', import.meta.url));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [bin, 'stdio', '--config', config, '--read-only'],
      env: { ...(process.env as Record<string, string>), TOOLGATE_DB: join(dir, 'stdio.db') },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'read-only-test', version: '1' });
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names.length).toBeGreaterThan(0);
      expect(names).not.toContain('create_refund_draft');
      expect(names).not.toContain('append_account_note');
      const result = await client.callTool({
        name: 'append_account_note',
        arguments: { customer_id: 'cus_123', note: 'called back', reason: 'follow-up' },
      });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/read-only/);
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe('check and the console say so', () => {
  it('check reports the switch and which actions it turns off', () => {
    const report = runCheck({ ...acmeConfig, readOnly: true }, '.toolgate/x.db');
    expect(report.readOnly).toEqual({ on: true, actionsOff: expect.arrayContaining(['create_refund_draft']) });
    expect(runCheck(acmeConfig, '.toolgate/x.db').readOnly.on).toBe(false);
  });
  it('the inbox and a draft page carry the notice; no approve or rollback form is offered', async () => {
    expect(String(await inbox([], true))).toMatch(/read-only/);
    expect(String(await inbox([], false))).not.toMatch(/read-only/);
    const gw = gatewayOf(false);
    const made = await gw.call({
      tool: 'create_refund_draft',
      args: refundArgs,
      principal: requester,
      client: 'support_app',
      surface: 'direct',
    });
    if (!made.ok) throw new Error(made.text);
    const draft = await gw.actions.get((made.structured as { draft_id: string }).draft_id);
    const view = gw.actions.view(draft!);
    const page = String(await draftDetail(view, [], 'csrf', undefined, true));
    expect(page).toMatch(/read-only/);
    expect(page).not.toMatch(/value="approve"/);
    expect(page).toMatch(/value="reject"/);
    expect(String(await draftDetail(view, [], 'csrf'))).toMatch(/value="approve"/);
    // An executed, reversible draft offers a rollback form that posts to its own URL (the form's
    // markup was once broken by a line-splitting script and posted nowhere), but not when read-only.
    const executed = { ...view, status: 'executed' as const, reversible: true };
    const rollback = new RegExp(`<form method="post" action="/console/drafts/${view.id}/rollback"`);
    expect(String(await draftDetail(executed, [], 'csrf'))).toMatch(rollback);
    expect(String(await draftDetail(executed, [], 'csrf', undefined, true))).not.toMatch(rollback);
  });
});
