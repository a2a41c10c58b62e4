import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { messagesTools } from '../../src/surfaces/direct/tool-definitions.js';
import { startTestServer } from '../helpers/http-server.js';

/**
 * A caller is not shown what it cannot call: a tool that needs a role was listed to callers
 * without it (scopes were checked, roles were not), and every try was refused and counted.
 */
const base = {
  input: z.object({}),
  output: z.object({ ok: z.boolean(), source_records: z.array(z.string()) }),
  scopes: ['billing:read'],
  tenant: 'caller' as const,
  handler: () => ({ ok: true, source_records: ['r1'] }),
};
const everyone = defineTool({ ...base, name: 'get_invoice_summary', description: 'Return a summary of one invoice.' });
const approversOnly = defineTool({
  ...base,
  name: 'get_payout_report',
  description: 'Return the payout report; for billing approvers only.',
  roles: ['billing_approver'],
});
const principal = (roles: string[]) => ({
  actorId: `usr_${roles.length}`,
  tenant: 'acme',
  roles,
  scopes: ['billing:read'],
});
const tokens = { plain: 'tok-plain-0123456789abcdef', approver: 'tok-approver-0123456789abcdef' };

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({
    tools: [everyone, approversOnly],
    server: {
      tokens: [
        { token: tokens.plain, principal: principal(['support']), client: 'app' },
        { token: tokens.approver, principal: principal(['support', 'billing_approver']), client: 'app' },
      ],
    },
  });
});
afterAll(async () => server.stop());

async function listedTo(token: string): Promise<string[]> {
  const client = new Client({ name: 'roles-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  try {
    return (await client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await client.close();
  }
}

describe('tools/list by role', () => {
  it('lists a role-gated tool only to callers with the role, over MCP (cached per role set) and in Messages-API definitions', async () => {
    // Twice each, in turn: the fast path's cached answer is per (client, scopes, roles).
    for (let round = 0; round < 2; round++) {
      expect(await listedTo(tokens.plain)).toEqual(['get_invoice_summary']);
      expect(await listedTo(tokens.approver)).toEqual(['get_invoice_summary', 'get_payout_report']);
    }
    expect(messagesTools(server.gateway, 'app', principal(['support'])).map((t) => t.name)).toEqual([
      'get_invoice_summary',
    ]);
    expect(messagesTools(server.gateway, 'app', principal(['billing_approver'])).map((t) => t.name)).toHaveLength(2);
  });
});
