import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { toolResultFor } from '../../src/surfaces/direct/tool-result.js';
import { agent, credentials, fixtureTools, SECRET } from '../helpers/fixture-tools.js';
import { startTestServer } from '../helpers/http-server.js';

/**
 * Surfaces hold no policy: one table of denial, limit and error cases runs through all three
 * routes — direct Messages-API tool use, MCP over Streamable HTTP, MCP over stdio (a real child
 * process) — and every route must give the same answer and leave the same audit rows.
 */
interface Case {
  readonly name: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly expect: (body: Record<string, unknown>) => void;
}

const errorOf = (body: Record<string, unknown>) =>
  body.error as { code: string; field?: string; message: string; retry_after_seconds?: number } | undefined;

const CASES: Case[] = [
  {
    name: 'allowed read',
    tool: 'get_customer_summary',
    args: { customer_id: 'cus_1' },
    expect: (b) => expect(b).toMatchObject({ name: 'Ada', balance_usd: 42.5 }),
  },
  {
    name: 'missing scope',
    tool: 'delete_customer_record',
    args: { customer_id: 'cus_1' },
    expect: (b) => expect(errorOf(b)?.code).toBe('forbidden'),
  },
  {
    name: 'cross-tenant id',
    tool: 'get_customer_summary',
    args: { customer_id: 'cus_2' },
    expect: (b) => expect(errorOf(b)?.code).toBe('not_found'),
  },
  {
    name: 'wrong argument type',
    tool: 'get_customer_summary',
    args: { customer_id: 7 },
    expect: (b) => expect(errorOf(b)).toMatchObject({ code: 'invalid_input', field: 'customer_id' }),
  },
  {
    name: 'smuggled argument',
    tool: 'get_support_ticket',
    args: { ticket_id: 'tkt_1', sql: 'select *' },
    expect: (b) => expect(errorOf(b)).toMatchObject({ code: 'invalid_input', field: 'sql' }),
  },
  {
    name: 'unknown tool',
    tool: 'drop_all_tables',
    args: {},
    expect: (b) => expect(errorOf(b)?.code).toBe('not_found'),
  },
  {
    name: 'handler crash',
    tool: 'compute_invoice_total',
    args: {},
    expect: (b) => expect(errorOf(b)).toMatchObject({ code: 'internal', message: 'The tool failed unexpectedly.' }),
  },
  {
    name: 'hanging handler',
    tool: 'wait_for_upstream',
    args: {},
    expect: (b) => expect(errorOf(b)?.code).toBe('timeout'),
  },
  {
    name: 'credential echo',
    tool: 'get_debug_info',
    args: {},
    expect: (b) => expect(JSON.stringify(b)).not.toContain(SECRET),
  },
  {
    name: 'injection in untrusted text',
    tool: 'get_support_ticket',
    args: { ticket_id: 'tkt_1' },
    expect: (b) => expect((b.notices as { warnings: unknown[] }).warnings.length).toBeGreaterThan(0),
  },
  {
    name: 'oversized result',
    tool: 'list_error_logs',
    args: {},
    expect: (b) => expect((b.notices as { truncated: unknown[] }).truncated.length).toBeGreaterThan(0),
  },
  {
    name: 'first call within rate',
    tool: 'get_rate_probe',
    args: {},
    expect: (b) => expect(b).toMatchObject({ ok: true }),
  },
  {
    name: 'second call over rate',
    tool: 'get_rate_probe',
    args: {},
    expect: (b) => expect(errorOf(b)).toMatchObject({ code: 'rate_limited', retry_after_seconds: 60 }),
  },
];

type Route = {
  name: string;
  call: (tool: string, args: Record<string, unknown>) => Promise<{ isError: boolean; body: Record<string, unknown> }>;
  store: () => Promise<Store>;
  close: () => Promise<void>;
};

const dir = mkdtempSync(join(tmpdir(), 'toolgate-matrix-'));
const routes: Route[] = [];

beforeAll(async () => {
  // Direct: the Messages-API adapter turning a tool_use block into a tool_result block.
  const directStore = await openSqliteStore({ path: join(dir, 'direct.db') });
  const gateway = createGateway({ tools: fixtureTools, store: directStore, credentials });
  let n = 0;
  routes.push({
    name: 'direct',
    call: async (tool, args) => {
      const { block } = await toolResultFor(
        { gateway, principal: agent, client: 'matrix' },
        { id: `toolu_${++n}`, name: tool, input: args },
      );
      return { isError: block.is_error === true, body: JSON.parse(String(block.content)) as Record<string, unknown> };
    },
    store: async () => directStore,
    close: () => directStore.close(),
  });

  // MCP over Streamable HTTP: a real server and the official SDK client.
  const http = await startTestServer({
    tools: fixtureTools,
    credentials,
    server: { tokens: [{ token: 'matrix-token-0123456789abcdef', principal: agent, client: 'matrix' }] },
  });
  const httpClient = new Client({ name: 'matrix', version: '1.0.0' });
  await httpClient.connect(
    new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`), {
      requestInit: { headers: { authorization: 'Bearer matrix-token-0123456789abcdef' } },
    }),
  );
  routes.push({
    name: 'mcp_http',
    call: mcpCall(httpClient),
    store: async () => http.store,
    close: async () => {
      await httpClient.close();
      await http.stop();
    },
  });

  // MCP over stdio: `toolgate stdio` as a child process, as Claude Code runs it.
  const stdioDb = join(dir, 'stdio.db');
  const stdioClient = new Client({ name: 'matrix', version: '1.0.0' });
  await stdioClient.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url)), 'stdio'],
      env: {
        PATH: process.env.PATH ?? '',
        TOOLGATE_DB: stdioDb,
        TOOLGATE_CONFIG: fileURLToPath(new URL('./matrix.config.ts', import.meta.url)),
        TOOLGATE_LOG_LEVEL: 'silent',
      },
      stderr: 'inherit',
    }),
  );
  routes.push({
    name: 'mcp_stdio',
    call: mcpCall(stdioClient),
    store: () => openSqliteStore({ path: stdioDb }),
    close: () => stdioClient.close(),
  });
}, 60_000);

afterAll(async () => {
  for (const route of routes) await route.close();
  rmSync(dir, { recursive: true, force: true });
});

function mcpCall(client: Client): Route['call'] {
  return async (tool, args) => {
    const result = await client.callTool({ name: tool, arguments: args });
    const text = (result.content as { type: string; text: string }[])[0]?.text ?? '{}';
    return { isError: result.isError === true, body: JSON.parse(text) as Record<string, unknown> };
  };
}

/** What must match across routes: everything but ids that are unique per call. */
function comparable(body: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(body, (key, value: unknown) => (key === 'audit_id' ? '<id>' : value)));
}

describe('the same policy on every route', () => {
  it('gives identical results for every case on direct, mcp_http and mcp_stdio', async () => {
    for (const c of CASES) {
      const outcomes = [];
      for (const route of routes) {
        const { isError, body } = await route.call(c.tool, c.args);
        c.expect(body);
        expect(isError, `${c.name} via ${route.name}`).toBe('error' in body);
        outcomes.push(comparable(body));
      }
      expect(outcomes[1], `${c.name}: mcp_http differs from direct`).toEqual(outcomes[0]);
      expect(outcomes[2], `${c.name}: mcp_stdio differs from direct`).toEqual(outcomes[0]);
    }
  }, 60_000);

  it('leaves the same audit rows on every route, each tagged with its surface', async () => {
    const rows = [];
    for (const route of routes) {
      const store = await route.store();
      const events = await store.audit.query({ limit: 1_000 });
      expect(
        events.every((e) => e.surface === route.name),
        route.name,
      ).toBe(true);
      expect(await store.audit.verify()).toMatchObject({ ok: true, count: CASES.length });
      rows.push(events.map((e) => [e.tool, e.decision, e.outcome, e.errorCode, e.actor, e.tenant]));
      if (route.name === 'mcp_stdio') await store.close();
    }
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[2]).toEqual(rows[0]);
  });
});
