import { z } from 'zod';
import type { defineTool as DefineTool } from '../src/contract/define-tool.js';

/** The bearer token the bench's toolgate server accepts (a fixed, non-secret test value). */
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

/** Who the bench's callers are: the static token's principal, and whom raw and the SDK list for. */
export const BENCH_PRINCIPAL = { actorId: 'bench', tenant: 't', roles: [], scopes: ['billing:read'] };

export const BENCH_RESULT = { customer_id: 'cus_123', billing_status: 'past_due', open_invoice_count: 2 };

/**
 * The demo's read tool, shape for shape, answering from memory so the gateway is what is measured.
 * Built with the `defineTool` of the code under test (the compiled dist in `npm run bench`).
 */
export const benchToolWith = (defineTool: typeof DefineTool) =>
  defineTool({
    name: 'get_customer_billing_summary',
    description: 'Bench tool returning a fixed summary.',
    input: z.object({ customer_id: z.string() }),
    output: z.object({ customer_id: z.string(), billing_status: z.string(), open_invoice_count: z.number() }),
    scopes: ['billing:read'],
    tenant: 'caller',
    limits: { rate: { perMinute: 10_000_000, burst: 1_000_000 } },
    handler: () => BENCH_RESULT,
  });
