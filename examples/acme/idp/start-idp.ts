import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { IdpUser } from './demo-users.js';
import { consentPage, loginPage } from './pages.js';

/**
 * Acme's identity provider for the demo: a real OAuth 2.1 / OpenID Connect server
 * (`oidc-provider` from npm) on loopback with dynamic client registration (Claude Code and the
 * MCP Inspector register themselves), PKCE S256 only, RFC 8707 resource indicators issuing JWT
 * access tokens whose `aud` is the gateway's /mcp, and a sign-in page with username and password.
 * The console is a pre-registered confidential client. Tests start it too (test/console/oidc-*).
 */
export interface AcmeIdpOptions {
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** The gateway's canonical resource URL (`<gateway>/mcp`): the only audience tokens are minted for. */
  readonly resource: string;
  /** The gateway's scopes, as its protected-resource metadata lists them. */
  readonly scopes: readonly string[];
  readonly users: readonly IdpUser[];
  /** The console's client (authorization code + PKCE, client_secret_basic). */
  readonly console: { readonly clientId: string; readonly clientSecret: string; readonly redirectUris: string[] };
  readonly accessTokenTtlSec?: number;
  /** Dynamic client registration (RFC 7591). Default on; off plays an IdP where clients are pre-registered. */
  readonly registration?: boolean;
}

export interface AcmeIdp {
  readonly issuer: string;
  readonly provider: Provider;
  close(): Promise<void>;
}

export async function startAcmeIdp(options: AcmeIdpOptions): Promise<AcmeIdp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: `acme-idp-${Date.now()}`, alg: 'RS256', use: 'sig' };
  const bySubject = new Map(options.users.map((u) => [u.subject, u]));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const consoleId = options.console.clientId;
  const ttl = options.accessTokenTtlSec ?? 3600;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: consoleId,
        client_secret: options.console.clientSecret,
        client_name: 'Toolgate approvals console',
        redirect_uris: options.console.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'], roles: ['roles', 'tenant'] },
    // Resource scopes are listed too: dynamic registration accepts only scopes the server knows.
    scopes: ['openid', 'offline_access', 'profile', 'email', 'roles', ...options.scopes],
    // OAuth 2.1 §7.5.2 / MCP authorization: PKCE for every client; oidc-provider offers S256 only.
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      // RFC 7591: open registration, so MCP clients without a pre-registered id can connect (demo only).
      registration: { enabled: options.registration ?? true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // MCP clients that send no `resource` still get a token for the gateway; the console gets userinfo.
        defaultResource: (_ctx: KoaContextWithOIDC, client: { clientId: string }, oneOf?: readonly string[]) =>
          oneOf ?? (client.clientId === consoleId ? undefined : options.resource),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          // RFC 8707 §2: refuse a resource this server does not issue tokens for.
          if (resource !== options.resource) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return { scope: options.scopes.join(' '), audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: ttl };
        },
      },
    },
    async findAccount(_ctx, id) {
      const user = bySubject.get(id);
      return user && { accountId: id, claims: () => ({ sub: id, ...user.claims, roles: [...user.claims.roles] }) };
    },
    // Tenant and roles travel in the gateway's access tokens, where its resource server reads them.
    async extraTokenClaims(_ctx, token) {
      const user = bySubject.get(String((token as { accountId?: string }).accountId));
      return user && { tenant: user.claims.tenant, roles: [...user.claims.roles] };
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: ttl, IdToken: 3600, RefreshToken: 86_400, Session: 86_400, Grant: 86_400, Interaction: 900 },
  });
  provider.on('server_error', () => undefined);

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(req.url ?? '');
    if (!match) return void callback(req, res);
    interact(req, res, match[1]!, match[2]).catch((error: unknown) => {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`This sign-in can no longer continue (${(error as Error).message}); start again from the app.`);
    });
  });

  async function interact(req: IncomingMessage, res: ServerResponse, uid: string, step: string | undefined) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);
    if (step === 'login' && req.method === 'POST') {
      const form = new URLSearchParams(await body(req));
      const user = [...bySubject.values()].find((u) => u.username === form.get('username'));
      if (!user || !same(user.password, form.get('password') ?? '')) {
        return html(res, 401, loginPage(uid, clientName, 'Unknown username or wrong password.'));
      }
      return provider.interactionFinished(req, res, { login: { accountId: user.subject } });
    }
    if (step === 'abort' && req.method === 'POST') {
      const result = { error: 'access_denied', error_description: 'The user denied access.' };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    if (details.prompt.name === 'login') return html(res, 200, loginPage(uid, clientName));
    // The console is Acme's own first-party app: no consent screen. Third-party clients ask.
    if (step === 'confirm' || details.params.client_id === consoleId) {
      const grantId = await grantFor(details);
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: object };
    const resourceScopes = Object.values(missing.missingResourceScopes ?? {}).flat() as string[];
    const resources = Object.keys(missing.missingResourceScopes ?? {});
    return html(
      res,
      200,
      consentPage(uid, clientName, [...(missing.missingOIDCScope ?? []), ...resourceScopes], resources),
    );
  }

  /** Grants what was asked, but never a resource scope the person does not hold. */
  async function grantFor(details: Awaited<ReturnType<Provider['interactionDetails']>>): Promise<string> {
    const accountId = String(details.session?.accountId);
    const clientId = String(details.params.client_id);
    const grant =
      (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
      new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
    const holds = bySubject.get(accountId)?.scopes ?? [];
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      const granted = scopes.filter((s) => holds.includes(s));
      const refused = scopes.filter((s) => !holds.includes(s));
      if (granted.length) grant.addResourceScope(resource, granted.join(' '));
      if (refused.length) grant.rejectResourceScope(resource, refused.join(' '));
    }
    return grant.save();
  }

  return {
    issuer,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function same(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function html(res: ServerResponse, status: number, page: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(page);
}

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) throw new Error('form too large');
  }
  return text;
}
