import { startAcmeIdp, type AcmeIdp } from '../../examples/acme/idp/start-idp.js';
import { demoIdpUsers, type IdpUser } from '../../examples/acme/idp/demo-users.js';
import { CONSOLE_CLIENT_ID } from '../../examples/acme/idp/gateway-settings.js';
import type { ConsoleOidcConfig } from '../../src/console/oidc/oidc-config.js';

/**
 * Shared by the console OIDC tests: the demo IdP (examples/acme/idp, a real oidc-provider with a
 * username/password page), a free port to build callback URLs before a gateway starts, and a
 * cookie jar that plays a browser over plain fetch, following redirects across both servers.
 */
export const CONSOLE_SECRET = 'console-secret-for-tests-0123456789';

export { freePort } from '../helpers/free-port.js';

export async function startTestIdp(
  gatewayUrls: readonly string[],
  resource = `${gatewayUrls[0]}/mcp`,
): Promise<AcmeIdp & { users: IdpUser[]; user(name: string): IdpUser }> {
  const users = demoIdpUsers();
  const idp = await startAcmeIdp({
    port: 0,
    resource,
    scopes: ['refunds:draft', 'actions:read'],
    users,
    console: {
      clientId: CONSOLE_CLIENT_ID,
      clientSecret: CONSOLE_SECRET,
      redirectUris: gatewayUrls.map((u) => `${u}/console/oidc/callback`),
    },
  });
  return Object.assign(idp, { users, user: (name: string) => users.find((u) => u.username === name)! });
}

export const consoleOidc = (issuer: string, over: Partial<ConsoleOidcConfig> = {}): ConsoleOidcConfig => ({
  issuer,
  clientId: CONSOLE_CLIENT_ID,
  clientSecret: CONSOLE_SECRET,
  scopes: ['openid', 'profile', 'email', 'roles'],
  approverRole: 'billing_approver',
  ...over,
});

interface StoredCookie {
  value: string;
  path: string;
  raw: string;
}

/** A browser's cookie handling, reduced: one jar for 127.0.0.1 (cookies ignore ports, as in browsers). */
export class CookieJar {
  readonly cookies = new Map<string, StoredCookie>();
  /** Every Set-Cookie line seen, newest last, for flag assertions. */
  readonly seen: string[] = [];

  header(url: URL): string {
    return [...this.cookies]
      .filter(([, c]) => url.pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      this.seen.push(line);
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const gone = value === '' || attrs.some((a) => /^max-age=0$/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value, path, raw: line });
    }
  }

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookie = this.header(target);
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.take(response);
    return response;
  }

  /** GETs `url` and follows redirects (any origin) until a page answers; returns it and its URL. */
  async follow(url: string | URL, init: RequestInit = {}): Promise<{ response: Response; url: URL }> {
    let next = new URL(url);
    let response = await this.fetch(next, init);
    for (let hop = 0; hop < 15 && response.status >= 300 && response.status < 400; hop++) {
      await response.body?.cancel();
      next = new URL(response.headers.get('location')!, next);
      response = await this.fetch(next);
    }
    return { response, url: next };
  }
}

/**
 * Signs in through the IdP like a person: the console's IdP link, the IdP's login form, and back.
 * `stopAtCallback` returns the IdP's redirect to the callback without following it.
 */
export async function signInThroughIdp(
  jar: CookieJar,
  startUrl: string,
  user: IdpUser,
  options: { stopAtCallback?: boolean } = {},
): Promise<{ response: Response; url: URL }> {
  const login = await jar.follow(startUrl);
  if (!login.url.pathname.startsWith('/interaction/')) {
    throw new Error(`Expected the IdP's sign-in page, got ${login.response.status} at ${login.url.href}`);
  }
  await login.response.text();
  const form = new URLSearchParams({ username: user.username, password: user.password });
  let response = await jar.fetch(new URL(`${login.url.pathname}/login`, login.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  let url = login.url;
  // Follow the IdP's own redirects (resume, consent); stop at the first one leaving the IdP.
  for (let hop = 0; hop < 10 && response.status >= 300 && response.status < 400; hop++) {
    await response.body?.cancel();
    url = new URL(response.headers.get('location')!, url);
    if (url.pathname === '/console/oidc/callback' && options.stopAtCallback) return { response, url };
    response = await jar.fetch(url);
  }
  return { response, url };
}

/** The CSRF token the console put in its page's forms. */
export const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
/** The draft hash a decision form carries: what the page showed. */
export const draftHashOf = (html: string) => /name="draft_hash" value="([^"]+)"/.exec(html)?.[1] ?? '';
