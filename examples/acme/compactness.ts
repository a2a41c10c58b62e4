import type { Gateway } from '../../src/gateway/create-gateway.js';
import { byteLength, estimateTokens } from '../../src/util/size.js';
import type { AcmeTokens } from './api/start.js';
import { DEMO_PRINCIPALS } from './principals.js';

/**
 * R3 made measurable: for each read tool on the demo data, the raw internal-API payload a naive
 * integration would hand the model vs the tool result Toolgate returns.
 */
export interface CompactnessRow {
  readonly tool: string;
  readonly rawBytes: number;
  readonly resultBytes: number;
  readonly rawTokens: number;
  readonly resultTokens: number;
  readonly ratio: number;
  readonly result: Record<string, unknown>;
}

const CASES = [
  {
    tool: 'get_customer_billing_summary',
    args: { customer_id: 'cus_123', reason: 'compactness report' },
    raw: ['/v1/customers/cus_123', '/v1/customers/cus_123/invoices', '/v1/customers/cus_123/payments'],
    token: 'billing_read',
  },
  {
    tool: 'search_support_ticket',
    args: { customer_id: 'cus_123', limit: 3 },
    raw: ['/v1/tickets?tenant=eu&customer_id=cus_123'],
    token: 'tickets_read',
  },
  {
    tool: 'summarize_incident_errors',
    args: { service: 'checkout', since: '2026-06-01T00:00:00Z', hours: 24, limit: 3 },
    raw: ['/v1/logs?tenant=eu&service=checkout&since=2026-06-01T00%3A00%3A00.000Z&until=2026-06-02T00%3A00%3A00.000Z'],
    token: 'tickets_read',
  },
] as const;

export async function compactnessReport(
  gateway: Gateway,
  acmeUrl: string,
  tokens: AcmeTokens,
): Promise<CompactnessRow[]> {
  const rows: CompactnessRow[] = [];
  for (const c of CASES) {
    const tokenName = c.tool === 'summarize_incident_errors' ? 'incidents_read' : c.token;
    let rawBytes = 0;
    for (const path of c.raw) {
      const res = await fetch(`${acmeUrl}${path}`, { headers: { authorization: `Bearer ${tokens[tokenName]}` } });
      rawBytes += byteLength(await res.text());
    }
    const result = await gateway.call({
      tool: c.tool,
      args: c.args,
      principal: DEMO_PRINCIPALS.agent,
      client: 'support_assistant',
      surface: 'internal',
      requestId: 'compactness-report',
    });
    if (!result.ok) throw new Error(`${c.tool} failed: ${result.text}`);
    rows.push({
      tool: c.tool,
      rawBytes,
      resultBytes: result.resultBytes,
      rawTokens: estimateTokens(rawBytes),
      resultTokens: result.resultTokens,
      ratio: Math.round((rawBytes / result.resultBytes) * 10) / 10,
      result: result.structured,
    });
  }
  return rows;
}

export function formatCompactness(rows: readonly CompactnessRow[]): string {
  const lines = rows.map(
    (r) =>
      `| \`${r.tool}\` | ${r.rawBytes.toLocaleString('en')} B (~${r.rawTokens.toLocaleString('en')} tok) | ${r.resultBytes.toLocaleString('en')} B (~${r.resultTokens.toLocaleString('en')} tok) | ${r.ratio}× |`,
  );
  return ['| tool | raw internal API | tool result | smaller by |', '|---|---|---|---|', ...lines].join('\n');
}
