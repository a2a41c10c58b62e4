import { ConfigError } from '../../errors/config-error.js';
import type { ClaimNames } from '../../auth/auth-config.js';
import { isHttpsOrLoopback } from '../../util/loopback.js';

/**
 * The `console` block of `toolgate.config.ts` (issue #12): approvers sign in through the
 * company's IdP (OpenID Connect, authorization code + PKCE S256); token sign-in stays for
 * development. This file declares the shape and checks it once at startup; oidc-client.ts and
 * oidc-routes.ts do the work.
 */
export interface ConsoleOidcConfig {
  /** The IdP's issuer identifier, e.g. https://login.example.com/realms/acme. https (http on loopback only). */
  readonly issuer: string;
  /** The console's client at the IdP (a "web application" / confidential client, or a public one). */
  readonly clientId: string;
  /** Read it from the environment. Without it the console is a public client and relies on PKCE alone. */
  readonly clientSecret?: string;
  /** How the secret is sent to the token endpoint. Default `client_secret_basic` (Auth0 defaults to post). */
  readonly tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Register exactly this at the IdP. Default `<publicUrl>/console/oidc/callback`. */
  readonly redirectUri?: string;
  /** Default `['openid', 'profile', 'email']`; `openid` is always sent. Add the scope that releases roles. */
  readonly scopes?: readonly string[];
  /** Only people whose roles claim holds this role may sign in, e.g. `billing_approver`. */
  readonly approverRole: string;
  /**
   * Where subject, tenant and roles are read from the ID token (merged with userinfo). Dotted
   * paths reach nested claims: Keycloak `realm_access.roles`, Entra `roles`, Auth0 a namespaced
   * claim such as `https://toolgate.example.com/roles`. Defaults `sub`, `tenant`, `roles`.
   */
  readonly claims?: Pick<ClaimNames, 'subject' | 'tenant' | 'roles'>;
  /** Tenant for people whose tokens carry no tenant claim. Without it they cannot sign in. */
  readonly defaultTenant?: string;
  /** The button text, e.g. `Sign in with Okta`. Default `Sign in with your identity provider`. */
  readonly label?: string;
  /** Seconds one IdP request (discovery, token, userinfo) may take. Default 10. */
  readonly timeoutSec?: number;
}

export interface ConsoleConfig {
  readonly oidc?: ConsoleOidcConfig;
  /** Approver-token sign-in (development, break-glass). Default true; turn it off once the IdP works. */
  readonly tokenSignIn?: boolean;
  /** How long a console session lasts from sign-in. Default 8 hours. */
  readonly sessionTtlSec?: number;
}

export const CALLBACK_PATH = '/console/oidc/callback';

export interface ResolvedConsoleOidc extends ConsoleOidcConfig {
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** Plain http is allowed for a loopback issuer only (the demo and tests). */
  readonly insecure: boolean;
}

/** Checks the block at startup; every message says what to change. */
export function resolveConsoleOidc(config: ConsoleOidcConfig, publicUrl: string | null): ResolvedConsoleOidc {
  const issuer = parseUrl(config.issuer, 'console.oidc.issuer');
  if (!isHttpsOrLoopback(issuer)) {
    throw new ConfigError(`console.oidc.issuer must be an https URL (http only on loopback); got ${config.issuer}.`);
  }
  const configured = config.redirectUri ?? (publicUrl ? `${publicUrl.replace(/\/+$/, '')}${CALLBACK_PATH}` : null);
  if (!configured) {
    throw new ConfigError(
      `console.oidc needs its callback URL: set publicUrl (or TOOLGATE_PUBLIC_URL), or console.oidc.redirectUri ` +
        `ending in ${CALLBACK_PATH}.`,
    );
  }
  const redirect = parseUrl(configured, 'console.oidc.redirectUri');
  if (redirect.pathname !== CALLBACK_PATH || redirect.search || redirect.hash) {
    throw new ConfigError(`console.oidc.redirectUri must end in ${CALLBACK_PATH} with no query; got ${configured}.`);
  }
  if (!config.approverRole) throw new ConfigError('console.oidc.approverRole is required, e.g. "billing_approver".');
  const scopes = config.scopes ?? ['openid', 'profile', 'email'];
  return {
    ...config,
    redirectUri: redirect.href,
    // OpenID Connect Core §3.1.2.1: "OpenID Connect requests MUST contain the openid scope value."
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    insecure: issuer.protocol === 'http:',
  };
}

function parseUrl(value: string, name: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${JSON.stringify(value)}.`);
  }
}
