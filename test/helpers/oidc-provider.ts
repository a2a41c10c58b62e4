import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OAuth 2.1 / OpenID Connect authorization server (`oidc-provider` from npm) on
 * 127.0.0.1 for tests and the demo: dynamic client registration, PKCE S256 (required),
 * resource indicators (RFC 8707) issuing JWT access tokens with `aud` = the requested resource,
 * and a programmatic login so flows run without a browser. Users, scopes and claims are
 * parameters, so the resource-server tests and the console sign-in tests share it.
 */
export interface IdpUser {
  /** Becomes `sub`. */
  readonly id: string;
  /** Extra claims in access tokens and ID tokens, e.g. `{ tenant: 'acme', roles: ['approver'] }`. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** Resource scopes this user may be granted; others are refused at consent. Default: all. */
  readonly allowedScopes?: readonly string[];
}

export interface IdpOptions {
  readonly users: readonly IdpUser[];
  /** Scopes of the protected resource(s), e.g. `['billing:read', 'tickets:read']`. */
  readonly scopes: readonly string[];
  /** Which `resource=` values are accepted. Default: any http(s) URL. */
  readonly acceptResource?: (resource: string) => boolean;
  /** OIDC scope → claims released in ID tokens / userinfo. Default adds `profile` and `roles`. */
  readonly claims?: Configuration['claims'];
  /** Pre-registered clients (e.g. the console's confidential client). */
  readonly clients?: readonly ClientMetadata[];
  readonly accessTokenTtlSec?: number;
  /** Access token signing algorithm. Default ES256. */
  readonly alg?: 'ES256' | 'RS256' | 'PS256' | 'EdDSA';
  /** Fixed port (the demo); tests use an ephemeral one. */
  readonly port?: number;
}

export interface TestIdp {
  readonly issuer: string;
  readonly provider: Provider;
  /** The user the next login signs in as (default: the first user). */
  loginAs(userId: string): void;
  /**
   * Plays the browser: follows the authorization URL through login and consent with a cookie
   * jar and returns the URL the IdP redirects back to (carrying `code`, `state`, `iss`).
   */
  authorize(authorizationUrl: string | URL): Promise<URL>;
  /** Forgets browser cookies (the next authorize signs in afresh). */
  resetBrowser(): void;
  close(): Promise<void>;
}

export async function startOidcProvider(options: IdpOptions): Promise<TestIdp> {
  const alg = options.alg ?? 'ES256';
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: `idp-${alg.toLowerCase()}-1`, alg, use: 'sig' };
  const users = new Map(options.users.map((u) => [u.id, u]));
  let currentUser = options.users[0]?.id;
  if (!currentUser) throw new TypeError('startOidcProvider needs at least one user.');

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const acceptResource = options.acceptResource ?? ((r: string) => /^https?:\/\//.test(r));

  const provider = new Provider(issuer, {
    clients: [...(options.clients ?? [])],
    // One signing key: ID tokens use its algorithm too (the default would need an RSA key).
    clientDefaults: { id_token_signed_response_alg: alg, grant_types: ['authorization_code'] },
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-idp-cookie-key-0123456789abcdef'] },
    claims: options.claims ?? { openid: ['sub'], profile: ['name', 'email'], roles: ['roles', 'tenant'] },
    // Resource scopes are listed too: dynamic registration accepts only scopes the server knows.
    scopes: ['openid', 'offline_access', 'profile', 'roles', ...options.scopes],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: KoaContextWithOIDC, _client: unknown, oneOf?: readonly string[]) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          if (!acceptResource(resource)) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: options.scopes.join(' '),
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtlSec ?? 600,
            jwt: { sign: { alg } },
          };
        },
      },
    },
    async findAccount(_ctx, id) {
      const user = users.get(id);
      if (!user) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...user.claims }) };
    },
    // Tenant and roles travel in the access token, where the resource server reads them.
    async extraTokenClaims(_ctx, token) {
      const accountId = (token as { accountId?: string }).accountId;
      return accountId ? { ...users.get(accountId)?.claims } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Refresh tokens are not needed by the tests; keep the server's own warnings quiet.
    ttl: { AccessToken: options.accessTokenTtlSec ?? 600, Session: 3600, Grant: 3600, Interaction: 600 },
  });
  provider.on('server_error', () => undefined);

  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      finishInteraction(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
      return;
    }
    void callback(req, res);
  });

  /** The programmatic login + consent: signs in `currentUser`, grants what it may have. */
  async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const interaction = await provider.interactionDetails(req, res);
    if (interaction.prompt.name === 'login') {
      const login = { accountId: currentUser! };
      await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
      return;
    }
    const accountId = interaction.session?.accountId ?? currentUser!;
    const allowed = users.get(accountId)?.allowedScopes;
    const grant = interaction.grantId
      ? ((await provider.Grant.find(interaction.grantId)) ??
        new provider.Grant({ accountId, clientId: String(interaction.params.client_id) }))
      : new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const mayHave = (scope: string) => !allowed || !options.scopes.includes(scope) || allowed.includes(scope);
    const oidcScopes = details.missingOIDCScope ?? [];
    if (oidcScopes.some(mayHave)) grant.addOIDCScope(oidcScopes.filter(mayHave).join(' '));
    if (!oidcScopes.every(mayHave)) grant.rejectOIDCScope(oidcScopes.filter((s) => !mayHave(s)).join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      const granted = scopes.filter(mayHave);
      const refused = scopes.filter((s) => !granted.includes(s));
      if (granted.length) grant.addResourceScope(resource, granted.join(' '));
      if (refused.length) grant.rejectResourceScope(resource, refused.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  const jar = new Map<string, string>();
  return {
    issuer,
    provider,
    loginAs(userId) {
      if (!users.has(userId)) throw new TypeError(`No IdP user "${userId}".`);
      currentUser = userId;
    },
    resetBrowser: () => jar.clear(),
    async authorize(authorizationUrl) {
      let next = new URL(authorizationUrl);
      for (let hop = 0; hop < 12; hop++) {
        const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
        const response = await fetch(next, { redirect: 'manual', headers: cookie ? { cookie } : {} });
        for (const line of response.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const eq = pair!.indexOf('=');
          const value = pair!.slice(eq + 1);
          if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(pair!.slice(0, eq));
          else jar.set(pair!.slice(0, eq), value);
        }
        const location = response.headers.get('location');
        if (!location) throw new Error(`IdP answered ${response.status} without a redirect: ${await response.text()}`);
        await response.body?.cancel();
        next = new URL(location, next);
        if (next.origin !== issuer) return next;
      }
      throw new Error('The IdP redirected more than 12 times.');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
