import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';
import { inspectorCli, outsideClientsMissing, runNode22 } from '../helpers/outside-clients.js';

const missing = outsideClientsMissing();
if (missing) console.warn(`\n⚠ SKIPPED MCP inspector CLI tests: ${missing}\n`);

const bin = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
const walkthroughConfig = fileURLToPath(new URL('../../examples/walkthrough/toolgate.config.ts', import.meta.url));

describe.skipIf(missing !== null)('MCP inspector CLI as an outside client', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer({ tools: walkthroughTools, credentials: walkthroughCredentials });
    dir = mkdtempSync(join(tmpdir(), 'toolgate-inspector-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const inspect = (args: string[]) =>
    runNode22([inspectorCli, '--cli', ...args], { env: { MCP_CATALOG_PATH: join(dir, 'catalog.json') } });

  it('lists and calls a tool over Streamable HTTP with a bearer header', async () => {
    const auth = ['--header', `Authorization: Bearer ${AGENT_TOKEN}`];
    const list = await inspect([`${server.url}/mcp`, '--transport', 'http', ...auth, '--method', 'tools/list']);
    expect(list.code, list.stderr + list.stdout).toBe(0);
    const tools = (JSON.parse(list.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name).sort();
    expect(tools).toEqual(['get_customer_billing_summary', 'search_support_ticket']);

    const call = await inspect([
      `${server.url}/mcp`,
      '--transport',
      'http',
      ...auth,
      '--method',
      'tools/call',
      '--tool-name',
      'search_support_ticket',
      '--tool-arg',
      'customer_id=cus_123',
    ]);
    expect(call.code, call.stderr).toBe(0);
    const result = JSON.parse(call.stdout) as { structuredContent: { tickets: { body: string }[] } };
    expect(result.structuredContent.tickets[0]?.body).toMatch(
      /^<untrusted_content source="support_ticket:ticket_456">/,
    );
    expect((await server.store.audit.query({ tool: 'search_support_ticket' })).at(-1)).toMatchObject({
      surface: 'mcp_http',
      outcome: 'ok',
    });
  });

  it('is refused over HTTP without a token', async () => {
    const list = await inspect([`${server.url}/mcp`, '--transport', 'http', '--method', 'tools/list']);
    expect(list.code).not.toBe(0);
    expect(list.stdout + list.stderr).toMatch(/auth_required|401/);
  });

  it('lists and calls a tool over stdio (toolgate stdio), audited on the mcp_stdio surface', async () => {
    const db = join(dir, 'stdio.db');
    const env = ['-e', `TOOLGATE_DB=${db}`, '-e', `TOOLGATE_CONFIG=${walkthroughConfig}`];
    const list = await inspect(['--cwd', dir, ...env, process.execPath, bin, 'stdio', '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { tools: unknown[] }).tools).toHaveLength(2);

    const ok = await inspect([
      '--cwd',
      dir,
      ...env,
      process.execPath,
      bin,
      'stdio',
      '--method',
      'tools/call',
      '--tool-name',
      'get_customer_billing_summary',
      '--tool-arg',
      'customer_id=cus_123',
      'reason=billing question over stdio',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { structuredContent: unknown }).structuredContent).toMatchObject({
      billing_status: 'past_due',
    });

    // A denied call comes back as an isError tool result carrying the typed error (the inspector exits non-zero on it).
    const denied = await inspect([
      '--cwd',
      dir,
      ...env,
      process.execPath,
      bin,
      'stdio',
      '--method',
      'tools/call',
      '--tool-name',
      'get_customer_billing_summary',
      '--tool-arg',
      'customer_id=cus_900',
      'reason=cross-tenant over stdio',
    ]);
    expect(denied.code).not.toBe(0);
    const deniedResult = JSON.parse(denied.stdout) as { isError: boolean; content: { text: string }[] };
    expect(deniedResult.isError).toBe(true);
    expect(JSON.parse(deniedResult.content[0]!.text)).toMatchObject({ error: { code: 'not_found' } });

    const store = await openSqliteStore({ path: db });
    const events = await store.audit.query({});
    await store.close();
    expect(events.map((e) => [e.surface, e.outcome, e.errorCode])).toEqual([
      ['mcp_stdio', 'ok', null],
      ['mcp_stdio', 'denied', 'tenant_mismatch'],
    ]);
  });
});
