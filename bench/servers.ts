/**
 * One benchmark target per process (so the load generator does not share its CPU):
 *   raw      — node:http answering tools/call JSON-RPC by hand (the floor: no MCP, no checks)
 *   sdk      — the official SDK's stateless handler with one trivial tool, no auth, no audit
 *   toolgate — `toolgate serve`: auth, the whole pipeline and a durable audit write per call
 * Prints `ready <url>` once listening.
 */
import { serve } from '@hono/node-server';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineTool } from '../src/contract/define-tool.js';
import { silentLogger } from '../src/log/logger.js';
import { startServer } from '../src/server/start-server.js';

import { BENCH_TOKEN } from './token.js';
const result = { customer_id: 'cus_123', billing_status: 'past_due', open_invoice_count: 2 };
const target = process.argv[2];

if (target === 'raw') {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { id } = JSON.parse(body) as { id: number };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id,
          result: { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result },
        }),
      );
    });
  }).listen(0, '127.0.0.1', () =>
    console.log(`ready http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`),
  );
} else if (target === 'sdk') {
  const handler = createMcpHandler(() => {
    const server = new Server({ name: 'bare', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', () => ({
      tools: [{ name: 'get_customer_billing_summary', inputSchema: { type: 'object' } }],
    }));
    server.setRequestHandler('tools/call', () => ({
      content: [{ type: 'text', text: JSON.stringify(result) }],
      structuredContent: result,
    }));
    return server;
  });
  const s = serve({ fetch: (r) => handler.fetch(r), port: 0, hostname: '127.0.0.1' }, (info) =>
    console.log(`ready http://127.0.0.1:${info.port}/mcp`),
  );
  void s;
} else if (target === 'toolgate') {
  const tool = defineTool({
    name: 'get_customer_billing_summary',
    description: 'Bench tool returning a fixed summary.',
    input: z.object({ customer_id: z.string() }),
    output: z.object({ customer_id: z.string(), billing_status: z.string(), open_invoice_count: z.number() }),
    scopes: ['billing:read'],
    tenant: 'caller',
    limits: { rate: { perMinute: 10_000_000, burst: 1_000_000 } },
    handler: () => result,
  });
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
  const running = await startServer(
    {
      tools: [tool],
      server: {
        tokens: [
          {
            token: BENCH_TOKEN,
            principal: { actorId: 'bench', tenant: 't', roles: [], scopes: ['billing:read'] },
            client: 'bench',
          },
        ],
      },
    },
    { PORT: '0', TOOLGATE_DB: join(dir, 'bench.db') },
    silentLogger,
  );
  console.log(`ready ${running.url}/mcp`);
} else {
  console.error('usage: servers.ts raw|sdk|toolgate');
  process.exit(2);
}
