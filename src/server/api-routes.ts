import { Hono, type Context } from 'hono';
import type { Authenticator } from '../auth/authenticator.js';
import { failureResponse } from '../auth/challenge.js';
import type { Authenticated } from '../auth/static-tokens.js';
import { ERROR_CODES } from '../errors/codes.js';
import { asToolgateError } from '../errors/toolgate-error.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { DraftRecord } from '../store/types.js';
import { DRAFT_PAGE_MAX, draftPageOf, draftPageRequest } from '../actions/draft-list-page.js';
import { auditEdgeRefusal, auditRepeatedRefusal, auditWrongCredential } from './auth-audit.js';
import { clientAddress } from './edge/hono-edge.js';
import { jsonShowingInvisible } from '../guard/invisible.js';

/**
 * `/api`: the approvals REST API (R4). Only approver credentials (`canApprove`) get in; a
 * model-client token gets 403 here, so a model can never approve its own drafts. Each approver
 * sees drafts of their own tenant only.
 */
type ApiEnv = { Variables: { who: Authenticated } };

export function createApiRoutes(
  gateway: Gateway,
  authenticator: Authenticator,
  options: { readonly trustProxy: boolean } = { trustProxy: false },
): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  // Drafts, their inputs and the audit are no business of a shared cache or the browser's history
  // (the console's pages already say so).
  api.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  api.use('*', async (c, next) => {
    const outcome = await authenticator.authenticate({ headers: c.req.raw.headers, url: c.req.url });
    if (!outcome.ok) {
      // Audited like /mcp refusals: the log says why an approver was turned away.
      await auditEdgeRefusal(gateway.runtime.store.audit, outcome, {
        surface: 'api',
        requestId: (c.get('requestId' as never) as string | undefined) ?? null,
        address: clientAddress(c, options.trustProxy),
      });
      return failureResponse(outcome);
    }
    const who = outcome.who;
    if (!who.canApprove) {
      await auditWrongCredential(gateway.runtime.store.audit, who, {
        surface: 'api',
        requestId: (c.get('requestId' as never) as string | undefined) ?? null,
        address: clientAddress(c, options.trustProxy),
      });
      return c.json(
        {
          error: 'forbidden',
          message: 'This credential is a model-client token; approvals need an approver credential.',
        },
        403,
      );
    }
    const noConsent = authenticator.approveScopeMissing(outcome);
    if (noConsent) {
      await auditRepeatedRefusal(gateway.runtime.store.audit, 'approve scope', noConsent, {
        surface: 'api',
        requestId: (c.get('requestId' as never) as string | undefined) ?? null,
        address: clientAddress(c, options.trustProxy),
        who,
      });
      return failureResponse(noConsent);
    }
    c.set('who', who);
    await next();
  });

  // Paged (outside probe, 2026-12-07: the newest 200 and nothing more let one token's 1,000
  // drafts hide everyone else's). As before by default — newest first, up to 200 — plus
  // `next_cursor`; `?cursor=` continues, `?order=oldest` puts the longest-waiting first, `?limit=`
  // (1–200) asks for smaller pages.
  api.get('/drafts', async (c) => {
    const request = draftPageRequest(c.req.query(), { order: 'newest', limit: DRAFT_PAGE_MAX });
    if ('field' in request) return c.json({ error: 'invalid_input', ...request }, 400);
    const page = await draftPageOf(gateway.actions, c.get('who').principal.tenant, request);
    return viewJson(c, { drafts: page.drafts.map((d) => gateway.actions.view(d)), next_cursor: page.nextCursor });
  });
  api.get('/drafts/:id', async (c) => {
    const draft = await gateway.actions.get(c.req.param('id'));
    if (!draft || draft.tenant !== c.get('who').principal.tenant)
      return c.json({ error: 'not_found', message: 'No such draft.' }, 404);
    return viewJson(c, gateway.actions.view(draft));
  });
  for (const verb of ['approve', 'reject', 'rollback', 'retry', 'close', 'reverify'] as const) {
    api.post(`/drafts/:id/${verb}`, (c) => decide(c, gateway, verb));
  }
  return api;
}

type Verb = 'approve' | 'reject' | 'rollback' | 'retry' | 'close' | 'reverify';

/**
 * A draft view as JSON with every hidden character escaped (`\u202e`): the same value to a
 * program, and nothing in it reverses or hides text where a person reads it.
 */
const viewJson = (c: Context<ApiEnv>, value: unknown) =>
  c.body(jsonShowingInvisible(value), 200, { 'content-type': 'application/json; charset=UTF-8' });

async function decide(c: Context<ApiEnv>, gateway: Gateway, verb: Verb): Promise<Response> {
  let body: { reason?: unknown; draft_hash?: unknown };
  try {
    body = (await c.req.json()) as typeof body;
  } catch {
    return c.json({ error: 'invalid_input', message: 'Body must be JSON: { "reason": "…", "draft_hash": "…" }.' }, 400);
  }
  if (typeof body.reason !== 'string')
    return c.json({ error: 'invalid_input', field: 'reason', message: 'reason is required.' }, 400);
  // A draft_hash that is not a string was ignored, so the approval skipped the check it asked for.
  if (body.draft_hash !== undefined && typeof body.draft_hash !== 'string')
    return c.json(
      {
        error: 'invalid_input',
        field: 'draft_hash',
        message: 'draft_hash must be the draft hash string you reviewed.',
      },
      400,
    );
  const request = {
    reason: body.reason,
    surface: 'api' as const,
    ...(typeof body.draft_hash === 'string' ? { draftHash: body.draft_hash } : {}),
  };
  try {
    const id = c.req.param('id') ?? '';
    const who = c.get('who').principal;
    // retry / close decide an unresolved draft (outcome unknown), reverify an unverified one; the
    // others a pending or executed one.
    const draft: DraftRecord =
      verb === 'retry' || verb === 'close'
        ? await gateway.actions.resolve(id, who, verb, request)
        : await gateway.actions[verb](id, who, request);
    return viewJson(c, gateway.actions.view(draft));
  } catch (thrown) {
    const error = asToolgateError(thrown);
    const status = ERROR_CODES[error.code].http as 400;
    // `retryable` as the MCP error carries it: an approval that was taken but not yet recorded
    // is a 503 that must not be repeated, which the status alone does not say (review).
    const message = error.code === 'internal' ? ERROR_CODES.internal.message : error.message;
    return c.json({ error: error.code, message, retryable: error.retryable }, status);
  }
}
