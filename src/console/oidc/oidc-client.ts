import * as oidc from 'openid-client';
import { principalFromClaims, type Claims } from '../../auth/claims.js';
import type { Principal } from '../../auth/principal.js';
import type { ResolvedConsoleOidc } from './oidc-config.js';

/**
 * The console's OpenID Connect relying party on `openid-client`: builds the authorization
 * request (code flow, PKCE S256, state, nonce) and turns the IdP's answer into an approver
 * Principal. Cookies, sessions and HTTP are left to oidc-routes.ts.
 */

/** What must survive from the redirect to the callback; kept server-side, keyed by a cookie. */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export type SignInResult =
  | { readonly ok: true; readonly principal: Principal; readonly name: string }
  | {
      readonly ok: false;
      readonly status: 401 | 403 | 503;
      readonly message: string;
      readonly reason: string;
      /** Set when the IdP vouched for the person but they may not approve. */
      readonly subject?: string;
    };

export interface OidcSignIn {
  begin(): Promise<{ readonly url: URL; readonly pending: PendingSignIn }>;
  /** `query` is the callback's query string; `pending` the record the browser's cookie named. */
  finish(query: string, pending: PendingSignIn): Promise<SignInResult>;
}

export function createOidcSignIn(config: ResolvedConsoleOidc): OidcSignIn {
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(new URL(config.issuer), config.clientId, {}, clientAuth(config), {
        execute: config.insecure ? [oidc.allowInsecureRequests] : [],
        timeout: config.timeoutSec ?? 10,
      })
      .catch((error: unknown) => {
        discovered = undefined; // try again on the next sign-in
        throw error;
      });
    return discovered;
  };

  return {
    async begin() {
      const server = await configuration();
      const pending = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
      };
      // OAuth 2.1 §4.1.1 / RFC 7636 §4.2: "S256" is mandatory to implement; "plain" is never sent.
      const url = oidc.buildAuthorizationUrl(server, {
        redirect_uri: config.redirectUri,
        scope: config.scopes.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url, pending };
    },

    async finish(query, pending) {
      let server: oidc.Configuration;
      try {
        server = await configuration();
      } catch (error) {
        return unavailable(error);
      }
      const callback = new URL(config.redirectUri);
      callback.search = query;
      let claims: Claims;
      try {
        // RFC 6749 §10.12 (state binds the response to this browser), RFC 7636 §4.5 (the verifier),
        // OIDC Core §3.1.3.7 (ID token signature, iss, aud, exp, nonce) — all checked by openid-client.
        const tokens = await oidc.authorizationCodeGrant(server, callback, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        claims = { ...tokens.claims() };
        if (server.serverMetadata().userinfo_endpoint) {
          // OIDC Core §5.3.2: "The sub Claim in the UserInfo Response MUST be verified to exactly match".
          const info = await oidc.fetchUserInfo(server, tokens.access_token, String(claims.sub));
          claims = { ...info, ...claims };
        }
      } catch (error) {
        return isNetworkError(error) ? unavailable(error) : refused(error);
      }
      return approverFrom(claims, config);
    },
  };
}

function approverFrom(claims: Claims, config: ResolvedConsoleOidc): SignInResult {
  const mapped = principalFromClaims(claims, config.claims, {
    issuer: config.issuer,
    defaultTenant: config.defaultTenant,
  });
  if (!mapped.ok) {
    // The shared claim mapper names the /mcp setting; here the fallback lives in console.oidc.
    const reason = mapped.reason.replace('auth.defaultTenant', 'console.oidc.defaultTenant');
    return {
      ok: false,
      status: 403,
      message: `The IdP's answer cannot be used: ${reason}.`,
      reason,
    };
  }
  const rolesClaim = config.claims?.roles ?? 'roles';
  if (!mapped.principal.roles.includes(config.approverRole)) {
    return {
      ok: false,
      status: 403,
      message:
        `You are signed in at the IdP as ${mapped.principal.actorId}, but the "${rolesClaim}" claim does not hold ` +
        `the role "${config.approverRole}" that approvals need. Ask your IdP administrator to grant it.`,
      reason: `missing role ${config.approverRole}`,
      subject: mapped.principal.actorId,
    };
  }
  const name = [claims.name, claims.email, claims.preferred_username].find((v) => typeof v === 'string');
  const principal: Principal = {
    ...mapped.principal,
    // The console acts for a person, not an OAuth client: no scopes ride along from the ID token.
    scopes: [],
    clientId: config.clientId,
  };
  return { ok: true, principal, name: typeof name === 'string' ? name : principal.actorId };
}

function clientAuth(config: ResolvedConsoleOidc): oidc.ClientAuth {
  if (!config.clientSecret) return oidc.None();
  return config.tokenEndpointAuthMethod === 'client_secret_post'
    ? oidc.ClientSecretPost(config.clientSecret)
    : oidc.ClientSecretBasic(config.clientSecret);
}

const isNetworkError = (error: unknown) =>
  error instanceof Error &&
  (error.name === 'TimeoutError' || error.name === 'AbortError' || error.message === 'fetch failed');

function unavailable(error: unknown): SignInResult {
  return {
    ok: false,
    status: 503,
    message: 'The identity provider cannot be reached right now; try again in a minute.',
    reason: `identity provider unreachable: ${(error as Error).message}`,
  };
}

function refused(error: unknown): SignInResult {
  const e = error as { code?: string; error?: string; message?: string };
  // An answer from the IdP saying no (access_denied, invalid_grant) vs our own checks failing.
  const detail = e.error ?? e.code ?? 'error';
  return {
    ok: false,
    status: 401,
    message: 'Sign-in did not complete (the answer from the identity provider was refused); please try again.',
    reason: `${detail}: ${e.message ?? String(error)}`,
  };
}
