import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
const { defineTool } = await import('/work/main/dist/src/contract/define-tool.js');
const { startServer } = await import('/work/main/dist/src/server/start-server.js');
const { silentLogger } = await import('/work/main/dist/src/log/logger.js');
const R = { customer_id: 'cus_123', billing_status: 'past_due', open_invoice_count: 2 };
const tool = defineTool({
  name: 'get_customer_billing_summary',
  description: 'Bench tool returning a fixed summary.',
  input: z.object({ customer_id: z.string() }),
  output: z.object({ customer_id: z.string(), billing_status: z.string(), open_invoice_count: z.number() }),
  scopes: ['billing:read'],
  tenant: 'caller',
  limits: { rate: { perMinute: 10_000_000, burst: 1_000_000 } },
  handler: () => R,
});
const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
const s = await startServer(
  {
    tools: [tool],
    server: {
      tokens: [
        {
          token: 'bench-token-0123456789abcdef',
          principal: { actorId: 'bench', tenant: 't', roles: [], scopes: ['billing:read'] },
          client: 'bench',
        },
      ],
    },
  },
  { PORT: '0', TOOLGATE_DB: join(dir, 'b.db') },
  silentLogger,
);
console.log(`ready ${s.url}/mcp`);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  console.log(`gc heapUsed ${(m.heapUsed / 1e6).toFixed(2)} MB rss ${(m.rss / 1e6).toFixed(1)} MB`);
});
