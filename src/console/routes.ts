import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { timingSafeEqual } from 'node:crypto';
import { consoleCookie, dropCookie, readCookie, writeCookie } from './cookies.js';
import type { AuditFilter } from '../audit/event.js';
import type { StaticTokenLookup } from '../auth/static-tokens.js';
import { sha256 } from '../util/sha256.js';
import { ERROR_CODES } from '../errors/codes.js';
import { asToolgateError } from '../errors/toolgate-error.js';
import type { Gateway } from '../gateway/create-gateway.js';
import { auditEvent, auditList } from './audit-pages.js';
import { draftDetail, inbox } from './draft-pages.js';
import { draftPageOf, draftPageRequest } from '../actions/draft-list-page.js';

import { consoleHeaders } from './security-headers.js';
import { CSS, page } from './layout.js';
import { resolveConsoleOidc, type ConsoleConfig } from './oidc/oidc-config.js';
import { mountOidcRoutes } from './oidc/oidc-routes.js';
import { signInPage } from './oidc/sign-in-page.js';
import { createConsoleSessions, csrfMatches, newCsrfToken, type ConsoleSession } from './sessions.js';

/** Drafts per inbox page. */
const INBOX_PAGE = 100;

const COOKIE = 'tg_console';
const UNREADABLE_FORM = 'The form could not be read (a malformed body); reload the page and send it again.';

/**
 * The posted form, or null when the body cannot be parsed: a malformed multipart body made
 * parseBody throw, answered 500 and logged a stack per request, before any sign-in (probe).
 */
async function formOf(c: Context): Promise<Record<string, unknown> | null> {
  try {
    return (await c.req.parseBody()) as Record<string, unknown>;
  } catch {
    return null;
  }
}
/** Double-submit token for the sign-in form, which has no session yet to carry one. */
const LOGIN_CSRF_COOKIE = 'tg_login_csrf';

export interface ConsoleOptions {
  /** Mark cookies Secure: the configured public URL is https (true behind a TLS-terminating proxy). */
  readonly secureCookies: boolean;
  /** Honour X-Forwarded-Proto from a proxy you run. */
  readonly trustProxy: boolean;
  /** The `console` config block: OIDC sign-in, token sign-in on/off, session lifetime (issue #12). */
  readonly console?: ConsoleConfig | undefined;
  /** The configured public URL: the default OIDC callback is `<publicUrl>/console/oidc/callback`. */
  readonly publicUrl?: string | null | undefined;
}
type Env = { Variables: { session: ConsoleSession } };

/**
 * `/console`: the approvals inbox, draft detail with its timeline, and the audit viewer.
 * Approvers sign in through the company's IdP (OIDC) or, in development, with an approver token (a
 * model-client token is refused). Sessions live in the store; every form carries the session's
 * CSRF token; the cookie is SameSite=Lax, because the IdP's redirect back is a cross-site GET.
 */
export function createConsoleRoutes(
  gateway: Gateway,
  authenticate: StaticTokenLookup,
  options: ConsoleOptions = { secureCookies: false, trustProxy: false },
): Hono<Env> {
  const settings = options.console ?? {};
  // Checked here, at startup: a wrong issuer or callback fails `serve`, not the first sign-in.
  const oidc = settings.oidc ? resolveConsoleOidc(settings.oidc, options.publicUrl ?? null) : null;
  const tokenSignIn = settings.tokenSignIn ?? true;
  if (oidc?.clientSecret) gateway.runtime.rememberSecret(oidc.clientSecret);
  const sessions = createConsoleSessions(gateway.runtime.store.sessions, {
    ...(settings.sessionTtlSec ? { ttlMs: settings.sessionTtlSec * 1000 } : {}),
  });
  const app = new Hono<Env>();
  const headers = consoleHeaders(CSS);
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
  });
  // Secure from the configured public URL, not from the hop that reached us (a TLS proxy speaks http).
  const secure = (c: Context) =>
    options.secureCookies ||
    new URL(c.req.url).protocol === 'https:' ||
    (options.trustProxy && c.req.header('x-forwarded-proto') === 'https');
  // Each console cookie by its base name; `__Host-` under https (cookies.ts).
  const cookie = (c: Context, base: string, path = '/console') => consoleCookie(secure(c), base, path);

  const tokenStillSignsIn = (session: ConsoleSession) =>
    tokenSignIn && session.tokenDigest !== undefined && authenticate.byDigest(session.tokenDigest)?.canApprove === true;
  const showLogin = (c: Context, error?: string, status: 200 | 400 | 401 | 403 | 404 | 503 = 200) => {
    const csrf = newCsrfToken();
    writeCookie(c, cookie(c, LOGIN_CSRF_COOKIE), csrf);
    const methods = { oidcLabel: oidc ? (oidc.label ?? 'Sign in with your identity provider') : null, tokenSignIn };
    return c.html(page('Sign in', signInPage(csrf, methods, error)), status);
  };
  const endSession = (c: Context) => dropCookie(c, cookie(c, COOKIE));
  const signedIn = (c: Context, session: ConsoleSession) => {
    dropCookie(c, cookie(c, LOGIN_CSRF_COOKIE));
    writeCookie(c, cookie(c, COOKIE), session.id, Math.floor((session.expiresAt - Date.now()) / 1000));
    return c.redirect('/console');
  };
  if (oidc) mountOidcRoutes(app as unknown as Hono, oidc, { gateway, sessions, cookie, signedIn, showLogin });
  app.get('/login', (c) => showLogin(c));
  app.post('/login', async (c) => {
    if (!tokenSignIn) return showLogin(c, 'Token sign-in is turned off here; sign in with your company account.', 404);
    const body = await formOf(c);
    if (!body) return showLogin(c, UNREADABLE_FORM, 400);
    // Login CSRF: a cross-site form cannot sign the victim in as the attacker (double submit).
    if (!csrfEquals(readCookie(c, cookie(c, LOGIN_CSRF_COOKIE)), body.csrf)) {
      return showLogin(c, 'The sign-in form expired or was not ours; please sign in again.', 403);
    }
    const who = authenticate(`Bearer ${String(body.token ?? '')}`);
    if (!who || !who.canApprove) {
      const message = who
        ? 'That is a model-client token; approvals need an approver credential.'
        : 'Token not recognised.';
      return showLogin(c, message, who ? 403 : 401);
    }
    const session = await sessions.create(who.principal, 'token', undefined, sha256(String(body.token).trim()));
    // A session id is a bearer credential: mask it wherever it might be echoed.
    gateway.runtime.rememberSecret(session.id);
    return signedIn(c, session);
  });

  app.use('*', async (c, next) => {
    const presented = readCookie(c, cookie(c, COOKIE));
    const session = await sessions.get(presented);
    if (!session) {
      if (presented !== undefined) endSession(c); // ended or expired in the store: drop its cookie too
      return c.redirect('/console/login');
    }
    if (session.method === 'token' && !tokenStillSignsIn(session)) {
      // The token was removed from the config, lost its approver right, or token sign-in was
      // turned off: its sessions end now, not up to 8 hours later (every instance checks).
      await sessions.destroy(session.id);
      endSession(c);
      return c.redirect('/console/login');
    }
    c.set('session', session);
    await next();
  });
  // Every state-changing request must echo the session's CSRF token.
  app.use('*', async (c, next) => {
    if (c.req.method === 'POST') {
      const body = await formOf(c);
      if (!body) return c.text(UNREADABLE_FORM, 400);
      if (!csrfMatches(c.get('session'), body.csrf))
        return c.text('CSRF token missing or wrong; reload the page.', 403);
    }
    await next();
  });

  app.post('/logout', async (c) => {
    await sessions.destroy(c.get('session').id);
    endSession(c);
    return c.redirect('/console/login');
  });

  // Outside probe, 2026-12-07: the inbox showed the newest 200 waiting drafts and nothing more,
  // so one token's 1,000 drafts hid everyone else's. Now it shows the longest-waiting first (a
  // flood lands at the end, not on top), pages on, and leaves out drafts already past expiry,
  // which can no longer be approved and would otherwise pile up at the top.
  app.get('/', async (c) => {
    const who = c.get('session').principal;
    const { order, cursor } = c.req.query();
    const request = draftPageRequest({ order, cursor }, { order: 'oldest', limit: INBOX_PAGE });
    if ('field' in request) return c.redirect('/console'); // a cursor cut short or edited: start over
    const drafts = await draftPageOf(
      gateway.actions,
      who.tenant,
      { ...request, status: 'awaiting_approval' },
      { expiresAfter: new Date(gateway.runtime.now()).toISOString() },
    );
    return c.html(
      page(
        'Approvals inbox',
        inbox(
          drafts.drafts.map((d) => gateway.actions.view(d)),
          gateway.runtime.readOnly,
          { order: request.order, nextCursor: drafts.nextCursor, paged: request.after !== undefined },
        ),
        who.actorId,
        c.get('session').csrf,
      ),
    );
  });

  app.get('/drafts/:id', (c) => showDraft(c, gateway));
  for (const verb of ['approve', 'reject', 'rollback', 'retry', 'close', 'reverify'] as const) {
    app.post(`/drafts/:id/${verb}`, async (c) => {
      const body = (await formOf(c))!; // read (and found readable) by the CSRF check above
      const id = c.req.param('id') ?? '';
      const who = c.get('session').principal;
      // Every console form carries the hash of the draft it showed; a post without one was not
      // made from the page (the API may leave it out, the console's decisions may not).
      if (typeof body.draft_hash !== 'string' || body.draft_hash === '') {
        const text = 'invalid_input: the form did not say which version of the draft you reviewed; reload the page.';
        return showDraft(c, gateway, { kind: 'error', text }, 400);
      }
      const request = { reason: String(body.reason ?? ''), surface: 'console' as const, draftHash: body.draft_hash };
      try {
        const draft =
          verb === 'retry' || verb === 'close'
            ? await gateway.actions.resolve(id, who, verb, request)
            : await gateway.actions[verb](id, who, request);
        return showDraft(c, gateway, { kind: 'ok', text: `Done: draft is now ${draft.status.replace(/_/g, ' ')}.` });
      } catch (thrown) {
        const error = asToolgateError(thrown);
        return showDraft(
          c,
          gateway,
          { kind: 'error', text: `${error.code}: ${error.message}` },
          // The status /api gives the same refusal (403 forbidden, 400 invalid_input, …).
          ERROR_CODES[error.code].http as ContentfulStatusCode,
        );
      }
    });
  }

  app.get('/audit', async (c) => renderAudit(c, gateway, filterFrom(c.req.query())));
  app.post('/audit/verify', async (c) => renderAudit(c, gateway, {}, true));
  app.get('/audit/:id', async (c) => {
    const event = await gateway.runtime.store.audit.get(c.req.param('id') ?? '');
    const who = c.get('session').principal;
    // As the list: the approver's own tenant only. An event with none (an edge refusal: an
    // address, a token that did not check out) is not any tenant's to read.
    if (!event || event.tenant !== who.tenant)
      return c.html(
        page('Not found', auditList([], {}, c.get('session').csrf), who.actorId, c.get('session').csrf),
        404,
      );
    return c.html(page(`Audit event ${event.seq}`, auditEvent(event), who.actorId, c.get('session').csrf));
  });
  return app;
}

async function showDraft(
  c: Context<Env>,
  gateway: Gateway,
  flash?: { kind: 'ok' | 'error'; text: string },
  status: ContentfulStatusCode = 200,
) {
  const who = c.get('session').principal;
  const draft = await gateway.actions.get(c.req.param('id') ?? '');
  if (!draft || draft.tenant !== who.tenant)
    return c.html(page('Draft not found', inbox([]), who.actorId, c.get('session').csrf), 404);
  // Its own tenant's events only: another tenant's event that names this id (as an id it tried)
  // must not show on this tenant's page.
  const timeline = await gateway.runtime.store.audit.query({ sourceId: draft.id, tenant: draft.tenant, limit: 200 });
  return c.html(
    page(
      `Draft ${draft.id}`,
      draftDetail(gateway.actions.view(draft), timeline, c.get('session').csrf, flash, gateway.runtime.readOnly),
      who.actorId,
      c.get('session').csrf,
    ),
    status,
  );
}

async function renderAudit(c: Context<Env>, gateway: Gateway, filter: AuditFilter, verify = false) {
  const who = c.get('session').principal;
  // Approvers see their own tenant's events only.
  const events = await gateway.runtime.store.audit.query({
    ...filter,
    tenant: who.tenant,
    newestFirst: true,
    limit: 200,
  });
  const report = verify ? await gateway.runtime.store.audit.verify() : undefined;
  return c.html(
    page('Audit log', auditList(events, filter, c.get('session').csrf, report), who.actorId, c.get('session').csrf),
  );
}

function filterFrom(query: Record<string, string>): AuditFilter {
  const pick = (k: string) => (query[k] ? query[k] : undefined);
  const outcome = pick('outcome');
  return {
    ...(pick('actor') ? { actor: pick('actor')! } : {}),
    ...(pick('tool') ? { tool: pick('tool')! } : {}),
    ...(outcome === 'ok' || outcome === 'denied' || outcome === 'error' ? { outcome } : {}),
  };
}

function csrfEquals(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
