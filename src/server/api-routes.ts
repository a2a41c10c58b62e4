import { Hono, type Context } from 'hono';
import type { Authenticated } from '../auth/static-tokens.js';
import { ERROR_CODES } from '../errors/codes.js';
import { asToolgateError } from '../errors/toolgate-error.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { DraftRecord, DraftStatus } from '../store/types.js';

/**
 * `/api`: the approvals REST API (R4). Only approver credentials (`canApprove`) get in; a
 * model-client token gets 403 here, so a model can never approve its own drafts. Each approver
 * sees drafts of their own tenant only.
 */
type ApiEnv = { Variables: { who: Authenticated } };

export function createApiRoutes(
  gateway: Gateway,
  authenticate: (authorization: string | undefined) => Authenticated | null,
): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.use('*', async (c, next) => {
    const who = authenticate(c.req.header('authorization'));
    if (!who)
      return c.json({ error: 'unauthenticated', message: 'Send Authorization: Bearer <approver token>.' }, 401, {
        'www-authenticate': 'Bearer realm="toolgate"',
      });
    if (!who.canApprove)
      return c.json(
        {
          error: 'forbidden',
          message: 'This credential is a model-client token; approvals need an approver credential.',
        },
        403,
      );
    c.set('who', who);
    await next();
  });

  api.get('/drafts', async (c) => {
    const status = c.req.query('status') as DraftStatus | undefined;
    const drafts = await gateway.actions.list({
      tenant: c.get('who').principal.tenant,
      ...(status ? { status } : {}),
      limit: 200,
    });
    return c.json({ drafts: drafts.map((d) => gateway.actions.view(d)) });
  });
  api.get('/drafts/:id', async (c) => {
    const draft = await gateway.actions.get(c.req.param('id'));
    if (!draft || draft.tenant !== c.get('who').principal.tenant)
      return c.json({ error: 'not_found', message: 'No such draft.' }, 404);
    return c.json(gateway.actions.view(draft));
  });
  for (const verb of ['approve', 'reject', 'rollback', 'retry', 'close'] as const) {
    api.post(`/drafts/:id/${verb}`, (c) => decide(c, gateway, verb));
  }
  return api;
}

type Verb = 'approve' | 'reject' | 'rollback' | 'retry' | 'close';

async function decide(c: Context<ApiEnv>, gateway: Gateway, verb: Verb): Promise<Response> {
  let body: { reason?: unknown; draft_hash?: unknown };
  try {
    body = (await c.req.json()) as typeof body;
  } catch {
    return c.json({ error: 'invalid_input', message: 'Body must be JSON: { "reason": "…", "draft_hash": "…" }.' }, 400);
  }
  if (typeof body.reason !== 'string')
    return c.json({ error: 'invalid_input', field: 'reason', message: 'reason is required.' }, 400);
  const request = {
    reason: body.reason,
    surface: 'api' as const,
    ...(typeof body.draft_hash === 'string' ? { draftHash: body.draft_hash } : {}),
  };
  try {
    const id = c.req.param('id') ?? '';
    const who = c.get('who').principal;
    // retry / close decide an unresolved draft (outcome unknown); the others a pending or executed one.
    const draft: DraftRecord =
      verb === 'retry' || verb === 'close'
        ? await gateway.actions.resolve(id, who, verb, request)
        : await gateway.actions[verb](id, who, request);
    return c.json(gateway.actions.view(draft));
  } catch (thrown) {
    const error = asToolgateError(thrown);
    const status = ERROR_CODES[error.code].http as 400;
    return c.json(
      { error: error.code, message: error.code === 'internal' ? ERROR_CODES.internal.message : error.message },
      status,
    );
  }
}
