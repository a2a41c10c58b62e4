import type Database from 'better-sqlite3';
import { Hono, type Context } from 'hono';

/**
 * Acme's internal API, as internal APIs really answer: full rows, metadata, PII, no paging
 * limits. Each service token carries scopes; Toolgate's tools each get the narrowest one.
 * Every request is counted (table `requests`) so tests can observe what reached the API.
 */
export interface ServiceToken {
  readonly name: string;
  readonly token: string;
  readonly scopes: readonly string[];
}

export const ACME_SCOPES = {
  billing_read: ['customers:read', 'invoices:read', 'payments:read'],
  tickets_read: ['tickets:read', 'notes:read'],
  incidents_read: ['logs:read'],
  refunds_write: ['invoices:read', 'refunds:write', 'refunds:read'],
  notes_write: ['notes:write', 'notes:read', 'customers:read'],
} as const;

type Env = { Variables: { token: ServiceToken } };

export function createAcmeApp(db: Database.Database, tokens: readonly ServiceToken[]): Hono<Env> {
  const app = new Hono<Env>();
  const all = (sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as Record<string, unknown>[];
  const one = (sql: string, ...params: unknown[]) =>
    db.prepare(sql).get(...params) as Record<string, unknown> | undefined;
  const parse = (rows: Record<string, unknown>[]) =>
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          (k === 'metadata' || k === 'lines' || k === 'context') && typeof v === 'string' ? JSON.parse(v) : v,
        ]),
      ),
    );

  app.use('*', async (c, next) => {
    const presented = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    const token = tokens.find((t) => t.token === presented);
    db.prepare('INSERT INTO requests (method, path, token_name, at) VALUES (?, ?, ?, ?)').run(
      c.req.method,
      c.req.path,
      token?.name ?? null,
      new Date().toISOString(),
    );
    if (!token) return c.json({ error: 'unauthorized' }, 401);
    c.set('token', token);
    await next();
  });
  // One query per request: answer the row (shaped by `render`) or 404.
  const found = (
    c: Context<Env>,
    row: Record<string, unknown> | undefined,
    render: (r: Record<string, unknown>) => unknown = (r) => r,
  ) => (row ? c.json(render(row) as object) : c.json({ error: 'not_found' }, 404));
  const need = (c: Context<Env>, scope: string) =>
    c.get('token').scopes.includes(scope) ? null : c.json({ error: 'forbidden', missing_scope: scope }, 403);

  app.get(
    '/v1/customers/:id',
    (c) =>
      need(c, 'customers:read') ??
      found(c, one('SELECT * FROM customers WHERE id = ?', c.req.param('id')), (r) => parse([r])[0]),
  );
  app.get(
    '/v1/customers/:id/invoices',
    (c) =>
      need(c, 'invoices:read') ??
      c.json({
        data: parse(all('SELECT * FROM invoices WHERE customer_id = ? ORDER BY created_at', c.req.param('id'))),
      }),
  );
  app.get(
    '/v1/customers/:id/payments',
    (c) =>
      need(c, 'payments:read') ??
      c.json({ data: all('SELECT * FROM payments WHERE customer_id = ? ORDER BY created_at', c.req.param('id')) }),
  );
  app.get(
    '/v1/invoices/:id',
    (c) =>
      need(c, 'invoices:read') ??
      found(c, one('SELECT * FROM invoices WHERE id = ?', c.req.param('id')), (r) => ({
        ...parse([r])[0],
        refunds: all('SELECT * FROM refunds WHERE invoice_id = ?', r.id),
      })),
  );
  app.get(
    '/v1/tickets',
    (c) =>
      need(c, 'tickets:read') ??
      c.json({
        data: parse(
          all(
            'SELECT * FROM tickets WHERE tenant = ? AND customer_id = ? ORDER BY created_at DESC',
            c.req.query('tenant') ?? '',
            c.req.query('customer_id') ?? '',
          ),
        ),
      }),
  );
  app.get(
    '/v1/customers/:id/notes',
    (c) =>
      need(c, 'notes:read') ??
      c.json({ data: all('SELECT * FROM notes WHERE customer_id = ? ORDER BY created_at', c.req.param('id')) }),
  );
  app.get(
    '/v1/logs',
    (c) =>
      need(c, 'logs:read') ??
      c.json({
        data: parse(
          all(
            'SELECT * FROM logs WHERE tenant = ? AND service = ? AND at >= ? AND at < ? ORDER BY at',
            c.req.query('tenant') ?? '',
            c.req.query('service') ?? '',
            c.req.query('since') ?? '',
            c.req.query('until') ?? '',
          ),
        ),
      }),
  );

  app.post('/v1/refunds', async (c) => {
    const denied = need(c, 'refunds:write');
    if (denied) return denied;
    const key = c.req.header('idempotency-key');
    if (!key) return c.json({ error: 'Idempotency-Key header required' }, 400);
    const existing = one('SELECT * FROM refunds WHERE idempotency_key = ?', key);
    if (existing) return c.json(existing, 200);
    const body = (await c.req.json()) as { invoice_id: string; amount_usd: number; reason: string };
    const invoice = one('SELECT * FROM invoices WHERE id = ?', body.invoice_id);
    if (!invoice) return c.json({ error: 'invoice not found' }, 404);
    const id = `re_${Number((one('SELECT COUNT(*) AS n FROM refunds') as { n: number }).n) + 1}`;
    db.prepare(
      'INSERT INTO refunds (id, tenant, invoice_id, amount_usd, status, ' +
        'idempotency_key, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      id,
      invoice.tenant,
      body.invoice_id,
      body.amount_usd,
      'succeeded',
      key,
      body.reason,
      new Date().toISOString(),
    );
    return c.json(one('SELECT * FROM refunds WHERE id = ?', id), 201);
  });
  app.get(
    '/v1/refunds',
    (c) =>
      need(c, 'refunds:read') ??
      found(c, one('SELECT * FROM refunds WHERE idempotency_key = ?', c.req.query('idempotency_key') ?? '')),
  );
  app.post('/v1/refunds/:id/void', (c) => {
    const denied = need(c, 'refunds:write');
    if (denied) return denied;
    db.prepare("UPDATE refunds SET status = 'voided' WHERE id = ?").run(c.req.param('id'));
    return c.json(one('SELECT * FROM refunds WHERE id = ?', c.req.param('id')) ?? { error: 'not_found' });
  });
  app.post('/v1/customers/:id/notes', async (c) => {
    const denied = need(c, 'notes:write');
    if (denied) return denied;
    const key = c.req.header('idempotency-key') ?? null;
    const existing = key ? one('SELECT * FROM notes WHERE idempotency_key = ?', key) : undefined;
    if (existing) return c.json(existing, 200);
    const customer = one('SELECT tenant FROM customers WHERE id = ?', c.req.param('id'));
    if (!customer) return c.json({ error: 'not_found' }, 404);
    const body = (await c.req.json()) as { text: string; author: string };
    const id = `note_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
    db.prepare(
      'INSERT INTO notes (id, tenant, customer_id, author, text, created_at, ' +
        'idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(id, customer.tenant, c.req.param('id'), body.author, body.text, new Date().toISOString(), key);
    return c.json(one('SELECT * FROM notes WHERE id = ?', id), 201);
  });
  app.notFound((c) => c.json({ error: 'no route' }, 404));
  return app;
}
