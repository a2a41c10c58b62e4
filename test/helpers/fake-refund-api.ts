import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake internal payments API that counts every request it receives, so "executed once" is
 * observed rather than assumed. Like real payment APIs it honours Idempotency-Key.
 */
export interface FakeRefundApi {
  readonly url: string;
  /** Every POST /refunds received, including replays with the same key. */
  readonly createRequests: { key: string | undefined; body: unknown }[];
  readonly refunds: Map<string, { id: string; invoice_id: string; amount_usd: number; status: 'succeeded' | 'voided' }>;
  /** Every POST /refunds/:id/void received, by refund id. */
  readonly voidRequests: string[];
  /** Make the next POST /refunds hang this long before answering (the refund is recorded first). */
  delayNextCreateMs: number;
  /** Pretend refunds never land (verify must notice). */
  loseRefunds: boolean;
  /** Void the next refund asked for, then answer 500 as if it had failed (the answer lost). */
  failAfterNextVoid: boolean;
  /** The next GET /refunds (a verify) waits for this before it reads: to order a race. */
  holdNextLookup: Promise<void> | null;
  close(): Promise<void>;
}

export async function startFakeRefundApi(port = 0): Promise<FakeRefundApi> {
  const api: Omit<FakeRefundApi, 'url' | 'close'> = {
    createRequests: [],
    voidRequests: [],
    refunds: new Map(),
    delayNextCreateMs: 0,
    loseRefunds: false,
    failAfterNextVoid: false,
    holdNextLookup: null,
  };
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== 'Bearer refunds-write-token-123456') return send(401, { error: 'bad token' });
    if (req.method === 'POST' && url.pathname === '/refunds') {
      const body = JSON.parse(await read(req)) as { invoice_id: string; amount_usd: number };
      const key = req.headers['idempotency-key'] as string | undefined;
      api.createRequests.push({ key, body });
      const existing = key ? api.refunds.get(key) : undefined;
      if (existing) return send(200, existing);
      const refund = {
        id: `re_${api.refunds.size + 1}`,
        invoice_id: body.invoice_id,
        amount_usd: body.amount_usd,
        status: 'succeeded' as const,
      };
      if (!api.loseRefunds) api.refunds.set(key ?? refund.id, refund);
      const delay = api.delayNextCreateMs;
      api.delayNextCreateMs = 0;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      return send(201, refund);
    }
    if (req.method === 'GET' && url.pathname === '/refunds') {
      const hold = api.holdNextLookup;
      api.holdNextLookup = null;
      if (hold) await hold;
      const found = api.refunds.get(url.searchParams.get('idempotency_key') ?? '');
      return found ? send(200, found) : send(404, { error: 'not found' });
    }
    const voidMatch = /^\/refunds\/(re_\d+)\/void$/.exec(url.pathname);
    if (req.method === 'POST' && voidMatch) {
      api.voidRequests.push(voidMatch[1]!);
      const refund = [...api.refunds.values()].find((r) => r.id === voidMatch[1]);
      if (!refund) return send(404, { error: 'not found' });
      refund.status = 'voided';
      if (api.failAfterNextVoid) {
        api.failAfterNextVoid = false;
        return send(500, { error: 'internal error' });
      }
      return send(200, refund);
    }
    send(404, { error: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as FakeRefundApi;
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}
