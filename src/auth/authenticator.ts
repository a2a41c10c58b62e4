import { DEFAULT_APPROVE_SCOPE, oauthClientOf, type AuthConfig } from './auth-config.js';
import { readBearer, type AuthRequest } from './bearer-request.js';
import { bearerChallenge, insufficientScopeFailure, type AuthFailure } from './challenge.js';
import { identityFromClaims, principalFromClaims, type Claims } from './claims.js';
import { createIntrospector } from './introspection.js';
import { createJwtVerifier, type TokenCheck } from './jwt.js';
import { resourceServerSettings, type ResourceServer } from './resource-server.js';
import { staticTokenAuthenticator, type Authenticated, type StaticToken } from './static-tokens.js';

/**
 * One way in for every HTTP route (/mcp, /api, and a node:http fast path): a request's headers
 * and URL → who is calling, or the refusal to send. Static tokens, JWTs (JWKS) and opaque tokens
 * (RFC 7662) can all be on at once. Framework-free on purpose; what a route does with a refusal
 * (audit, throttle) is left to the route.
 */
export type AuthMethod = 'static' | 'jwt' | 'introspection' | 'anonymous';

export interface AuthSuccess {
  readonly ok: true;
  readonly who: Authenticated;
  readonly method: AuthMethod;
}

export type AuthOutcome = AuthSuccess | AuthFailure;

export type { AuthRequest } from './bearer-request.js';

export interface Authenticator {
  authenticate(request: AuthRequest): Promise<AuthOutcome>;
  /**
   * MCP authorization, "Runtime Insufficient Scope Errors": for an OAuth caller lacking `needed`,
   * the 403 challenge that lets its client step up; null when nothing is missing or the caller
   * cannot step up (a static token: the pipeline's in-band `forbidden` result explains instead).
   */
  insufficientScope(caller: AuthSuccess, needed: readonly string[], operation: string): AuthFailure | null;
  /** For an OAuth approver on the approvals API without `auth.approveScope`: its 403 challenge. */
  approveScopeMissing(caller: AuthSuccess): AuthFailure | null;
  /** Null when OAuth is off (static tokens only): no metadata document is served. */
  readonly resourceServer: ResourceServer | null;
}

export interface AuthenticatorOptions {
  readonly staticTokens: readonly StaticToken[];
  /** Who a request without any Authorization header acts as (loopback development only). */
  readonly anonymous?: Authenticated | undefined;
  readonly auth?: AuthConfig | undefined;
  readonly publicUrl?: string | null | undefined;
  /** The scopes of the tools OAuth callers get (their toolset): the default `scopes_supported`. */
  readonly toolScopes?: readonly string[];
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const lookupStatic = staticTokenAuthenticator(options.staticTokens);
  const rs = options.auth
    ? resourceServerSettings(options.auth, options.publicUrl ?? null, options.toolScopes ?? [])
    : null;
  const audience = rs?.audience ?? [];
  const verifyJwt = options.auth?.jwt ? createJwtVerifier(options.auth.jwt, audience) : null;
  // RFC 8707: an opaque token must have been issued for this resource. Its default audience is
  // the resource URL (auth-config.ts); before, it followed auth.jwt.audience when that was set.
  const introspect =
    options.auth?.introspection && rs ? createIntrospector(options.auth.introspection, [rs.resource]) : null;
  // A remembered token comes back with the same claims object (jwt.ts, introspection.ts): who it
  // names is worked out once, and the caller is the same object each time (tools/list caches by it).
  const admitted = new WeakMap<Claims, AuthSuccess>();

  const refuse = (
    status: 400 | 401,
    reason: string,
    error?: 'invalid_request' | 'invalid_token',
    description?: string,
  ): AuthFailure => ({
    ok: false,
    status,
    error: error ?? 'unauthorized',
    description: description ?? 'Send Authorization: Bearer <token>.',
    reason,
    // RFC 9728 §5.1: "resource_metadata" in the challenge points clients at the metadata; MCP
    // "Scope Selection Strategy": servers SHOULD include "scope" to guide the first request.
    challenge: bearerChallenge({
      resourceMetadata: rs?.metadataUrl ?? null,
      ...(rs ? { scope: rs.metadata.scopes_supported } : {}),
      ...(error ? { error, description } : {}),
    }),
  });

  /** Who a refused token with a good signature named, for its audit event. */
  const named = (claims: Claims | undefined, method: 'jwt' | 'introspection') =>
    claims && rs ? { identity: identityFromClaims(claims, rs.claims(method), rs.issuerFor(method)) } : {};

  async function authenticate(request: AuthRequest): Promise<AuthOutcome> {
    const read = readBearer(request);
    if (read.kind === 'refused') return refuse(read.status, read.reason, read.error, read.description);
    if (read.kind === 'none') {
      if (options.anonymous) return { ok: true, who: options.anonymous, method: 'anonymous' };
      // RFC 6750 §3: a request without credentials gets a challenge "SHOULD NOT include an error code".
      return refuse(401, 'no credentials');
    }
    const token = read.token;
    // A presented credential is always checked: a bad token never falls back to anonymous.
    const byStatic = lookupStatic(`Bearer ${token}`);
    if (byStatic) return { ok: true, who: byStatic, method: 'static' };

    const method = verifyJwt && JWT_SHAPE.test(token) ? 'jwt' : introspect ? 'introspection' : null;
    if (!method || !rs) {
      return refuse(
        401,
        rs ? 'not a JWT and introspection is off' : 'unknown static token',
        'invalid_token',
        'The bearer token is not recognised.',
      );
    }
    const check: TokenCheck = method === 'jwt' ? await verifyJwt!(token) : await introspect!(token);
    if (!check.ok) {
      if (check.kind === 'unavailable') {
        return {
          ok: false,
          status: 503,
          error: 'temporarily_unavailable',
          description: check.description,
          reason: check.reason,
          challenge: null,
          retryAfterSec: check.retryAfterSec ?? 5,
        };
      }
      return { ...refuse(401, check.reason, 'invalid_token', check.description), ...named(check.claims, method) };
    }
    let success = admitted.get(check.claims);
    if (!success) {
      const mapped = principalFromClaims(check.claims, rs.claims(method), {
        issuer: rs.issuerFor(method),
        defaultTenant: options.auth?.defaultTenant,
      });
      if (!mapped.ok)
        return {
          ...refuse(
            401,
            `${method}: ${mapped.reason}`,
            'invalid_token',
            `The access token cannot be used here: ${mapped.reason}.`,
          ),
          ...named(check.claims, method),
        };
      const approver = options.auth?.approverRole;
      const who = {
        principal: mapped.principal,
        client: oauthClientOf(options.auth),
        canApprove: approver !== undefined && mapped.principal.roles.includes(approver),
      };
      success = { ok: true, method, who };
      admitted.set(check.claims, success);
    }
    return success;
  }

  const insufficientScope: Authenticator['insufficientScope'] = (caller, needed, operation) => {
    if (!rs || (caller.method !== 'jwt' && caller.method !== 'introspection')) return null;
    const missing = needed.filter((scope) => !caller.who.principal.scopes.includes(scope));
    if (missing.length === 0) return null;
    return insufficientScopeFailure(rs.metadataUrl, needed, missing, operation);
  };
  const approveScope = options.auth?.approveScope ?? DEFAULT_APPROVE_SCOPE;
  return {
    authenticate,
    insufficientScope,
    // RFC 6750 §3.1, insufficient_scope: "The request requires higher privileges than provided by
    // the access token." The approver role alone is a fact about the person, not consent for the
    // client holding the token: a token from any client the person signed in to, consented for
    // "openid" only (open dynamic registration lets any site be such a client), approved and ran
    // a refund on /api (outside probe, 2026-12-07). Static approver tokens are configured as
    // such and need no scope.
    approveScopeMissing: (caller) => insufficientScope(caller, [approveScope], 'the approvals API'),
    resourceServer: rs,
  };
}
