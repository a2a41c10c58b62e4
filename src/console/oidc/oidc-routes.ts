import type { Context, Hono } from 'hono';
import { edgeEvent } from '../../audit/event.js';
import type { Principal } from '../../auth/principal.js';
import type { Gateway } from '../../gateway/create-gateway.js';
import { dropCookie, readCookie, writeCookie, type ConsoleCookie } from '../cookies.js';
import type { ConsoleSession, ConsoleSessions } from '../sessions.js';
import { createOidcSignIn, type PendingSignIn } from './oidc-client.js';
import type { ResolvedConsoleOidc } from './oidc-config.js';

/**
 * `GET /console/oidc/start` and `GET /console/oidc/callback`: sign-in through the company's IdP
 * (issue #12). Start stores state, nonce and the PKCE verifier server-side under a random id in
 * a short-lived cookie and redirects to the IdP; the callback takes that record once, lets
 * openid-client check the answer, and opens a console session for an approver. Failed callbacks
 * answer 401, which the edge's auth-failure throttle counts (src/server/edge/auth-throttle.ts).
 */
export const LOGIN_COOKIE = 'tg_oidc_login';
const PENDING_TTL_MS = 10 * 60 * 1000;

export interface OidcRouteDeps {
  readonly gateway: Gateway;
  readonly sessions: ConsoleSessions;
  /** A console cookie by its base name (`__Host-` under https: cookies.ts). */
  readonly cookie: (c: Context, base: string, path: string) => ConsoleCookie;
  /** Opens the console for a new session (sets the session cookie, redirects). */
  readonly signedIn: (c: Context, session: ConsoleSession) => Response;
  readonly showLogin: (c: Context, error: string, status: 401 | 403 | 503) => Response | Promise<Response>;
}

export function mountOidcRoutes(app: Hono, config: ResolvedConsoleOidc, deps: OidcRouteDeps): void {
  const rp = createOidcSignIn(config);

  app.get('/oidc/start', async (c) => {
    let started;
    try {
      started = await rp.begin();
    } catch (error) {
      deps.gateway.runtime.logger.warn({ err: error, issuer: config.issuer }, 'console sign-in: IdP discovery failed');
      return deps.showLogin(c, 'The identity provider cannot be reached right now; try again in a minute.', 503);
    }
    const id = await deps.sessions.savePending({ ...started.pending }, PENDING_TTL_MS);
    // SameSite=Lax: the IdP sends the browser back with a top-level GET from its own site.
    writeCookie(c, deps.cookie(c, LOGIN_COOKIE, '/console/oidc'), id, PENDING_TTL_MS / 1000);
    return c.redirect(started.url.href, 302);
  });

  app.get('/oidc/callback', async (c) => {
    // One use only: a replayed or second callback finds nothing, whichever instance it reaches.
    const pendingCookie = deps.cookie(c, LOGIN_COOKIE, '/console/oidc');
    const pending = (await deps.sessions.takePending(readCookie(c, pendingCookie))) as PendingSignIn | undefined;
    dropCookie(c, pendingCookie);
    if (!pending) {
      // Without the record there is no state to compare and no PKCE verifier to send: refuse.
      return deps.showLogin(c, 'This sign-in expired or was not started in this browser; please sign in again.', 401);
    }
    const result = await rp.finish(new URL(c.req.url).search, pending);
    if (!result.ok) {
      deps.gateway.runtime.logger.warn({ reason: result.reason, status: result.status }, 'console sign-in refused');
      if (result.subject) await audit(deps.gateway, config, { refused: result.subject }, result.reason);
      return deps.showLogin(c, result.message, result.status);
    }
    const session = await deps.sessions.create(result.principal, 'oidc', result.name);
    // A session id is a bearer credential: mask it wherever it might be echoed.
    deps.gateway.runtime.rememberSecret(session.id);
    await audit(deps.gateway, config, result.principal, `signed in to the console through ${config.issuer}`);
    return deps.signedIn(c, session);
  });
}

/** Sign-ins are audited with the IdP's subject and issuer, in the same chain as approvals. */
async function audit(
  gateway: Gateway,
  config: ResolvedConsoleOidc,
  person: Principal | { readonly refused: string },
  reason: string,
) {
  const who = 'refused' in person ? null : person;
  const subject = 'refused' in person ? person.refused : person.subject;
  const event = edgeEvent({
    kind: who ? 'console.signed_in' : 'console.sign_in_refused',
    surface: 'console',
    client: 'console',
    actor: who?.actorId ?? subject ?? 'unknown',
    tenant: who?.tenant ?? null,
    decision: who ? 'allow' : 'deny',
    reason,
    outcome: who ? 'ok' : 'denied',
    errorCode: who ? null : 'forbidden',
    data: { method: 'oidc' },
    issuer: config.issuer,
    clientId: config.clientId,
    ...(subject === undefined ? {} : { subject }),
  });
  await gateway.runtime.store.audit.append(event);
}
