import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { runAuditCommand } from '../../src/cli/audit.js';
import { defineTool } from '../../src/contract/define-tool.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { AUDIT_META_KEY } from '../../src/surfaces/mcp/translate.js';
import { runCli } from '../helpers/capture-io.js';
import { agent, AGENT_TOKEN } from '../helpers/http-server.js';

// Issue #13, items 4, 6, 10, 12 and 13: each outside probe that did not hold, kept as a test.
const APPROVER_TOKEN = 'approver-token-planted-0123456789';
const AUDIT_KEY = 'audit-key-planted-0123456789abcdef';
const CURSOR_KEY = 'cursor-key-planted-0123456789abcdef';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c3JfNDIifQ.c2lnbmF0dXJlLXBsYW50ZWQtaGVyZQ';
const BEARER = 'Bearer opaque-planted-token-5f4e3d2c1b0a';
const PLANTED = [AGENT_TOKEN, APPROVER_TOKEN, AUDIT_KEY, CURSOR_KEY, JWT, BEARER.slice(7)];

const echoNote = defineTool({
  name: 'append_note_preview',
  description: 'Preview a note exactly as it would be stored (echoes the text back).',
  input: z.object({ text: z.string().max(2_000) }),
  output: z.object({ stored: z.string(), source_records: z.array(z.string()) }),
  scopes: ['billing:read'],
  tenant: 'caller',
  // Upstream data carrying secrets too: what the "internal API" sends back echoes them.
  handler: ({ text }) => ({ stored: `${text} | upstream saw ${APPROVER_TOKEN} and ${JWT}`, source_records: [] }),
});

let dir: string;
let server: RunningServer;
let logs = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'toolgate-core-'));
  const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => ((logs += String(c)), cb()) }));
  const principal = { actorId: 'usr_lead', tenant: 'acme', roles: ['billing_approver'], scopes: [] };
  server = await startServer(
    {
      tools: [...walkthroughTools, echoNote],
      credentials: walkthroughCredentials,
      server: {
        tokens: [
          { token: AGENT_TOKEN, principal: agent, client: 'claude_code' },
          { token: APPROVER_TOKEN, principal, client: 'console', canApprove: true },
        ],
      },
    },
    {
      PORT: '0',
      TOOLGATE_DB: join(dir, 'toolgate.db'),
      TOOLGATE_AUDIT_KEY: AUDIT_KEY,
      TOOLGATE_CURSOR_KEY: CURSOR_KEY,
    },
    logger,
  );
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function client(): Promise<Client> {
  const c = new Client({ name: 'probe', version: '1.0.0' });
  const headers = { authorization: `Bearer ${AGENT_TOKEN}` };
  await c.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
  return c;
}
const call = (tool: string, args: unknown) =>
  server.gateway.call({ tool, args, principal: agent, client: 'claude_code', surface: 'direct' });

describe('hardening in the pipeline', () => {
  it('calls to unknown tools count against the caller: after a burst they are rate limited (item 4)', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 13; i++) {
      const r = await call(`drop_database_${i}`, {});
      codes.push(r.ok ? 'ok' : r.error.code);
    }
    expect(codes.slice(0, 10)).toEqual(Array(10).fill('not_found'));
    expect(codes.slice(10)).toEqual(['rate_limited', 'rate_limited', 'rate_limited']);
  });

  it("another tenant's record answers exactly like an unknown one; the audit keeps the truth (item 10)", async () => {
    const args = (customer_id: string) => ({ customer_id, reason: 'probing ids across tenants' });
    const foreign = await call('get_customer_billing_summary', args('cus_900'));
    const unknown = await call('get_customer_billing_summary', args('cus_999999'));
    expect(foreign.ok || unknown.ok).toBe(false);
    const shape = (r: typeof foreign) => (r.ok ? null : { code: r.error.code, message: r.error.message });
    expect(shape(foreign)).toEqual(shape(unknown));
    const event = await server.store.audit.get(foreign.auditId!);
    expect(event).toMatchObject({ errorCode: 'tenant_mismatch', reason: expect.stringMatching(/tenant mismatch/) });
  });

  it('every MCP result names its audit record in _meta, successes included (item 12)', async () => {
    const c = await client();
    const ok = await c.callTool({
      name: 'get_customer_billing_summary',
      arguments: { customer_id: 'cus_123', reason: 'billing question' },
    });
    const denied = await c.callTool({
      name: 'get_customer_billing_summary',
      arguments: { customer_id: 'cus_900', reason: 'other tenant' },
    });
    await c.close();
    for (const result of [ok, denied]) {
      const id = (result._meta as Record<string, string> | undefined)?.[AUDIT_META_KEY];
      expect(id).toMatch(/^aud_/);
      expect(await server.store.audit.get(id!)).toMatchObject({ id });
    }
  });

  it('a deeply nested argument is refused with what was wrong, not "Infinity bytes" (item 13)', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const r = await call('get_customer_billing_summary', { customer_id: deep, reason: 'deep' });
    expect(!r.ok && r.error).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/nest deeper than 32 levels/),
    });
    expect(r.ok ? '' : r.error.message).not.toMatch(/Infinity/);
  });

  it('no secret the gateway holds survives into audit rows, logs, metrics or exports (item 6)', async () => {
    const c = await client();
    const text = `tokens: ${AGENT_TOKEN} ${APPROVER_TOKEN} keys: ${AUDIT_KEY} ${CURSOR_KEY} jwt: ${JWT} header: ${BEARER}`;
    const result = await c.callTool({ name: 'append_note_preview', arguments: { text } });
    await c.callTool({
      name: 'get_customer_billing_summary',
      arguments: { customer_id: text.slice(0, 300), reason: text },
    });
    await c.close();
    const resultText = JSON.stringify(result);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const exported = await runCli(runAuditCommand, ['export', '--db', join(dir, 'toolgate.db')], {
      TOOLGATE_AUDIT_KEY: AUDIT_KEY,
    });
    const files = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f)).toString('latin1'))
      .join('\n');
    for (const secret of PLANTED) {
      for (const [where, haystack] of Object.entries({ resultText, metrics, logs, exported: exported.out, files })) {
        expect(haystack.includes(secret), `${secret.slice(0, 12)}… found in ${where}`).toBe(false);
      }
    }
    expect(exported.out).toMatch(/REDACTED/);
  });
});
