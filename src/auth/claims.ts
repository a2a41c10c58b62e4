import { asList, type ClaimNames } from './auth-config.js';
import { GATEWAY_ACTORS, type Principal } from './principal.js';

/**
 * Verified token claims → Principal. Only called after the signature (or the introspection
 * answer) checked out; claim names are configurable because IdPs disagree (Entra puts scopes in
 * `scp`, Keycloak roles in `realm_access.roles`, Okta the client in `cid`).
 */
export type Claims = Readonly<Record<string, unknown>>;

export interface ClaimDefaults {
  readonly issuer: string;
  readonly defaultTenant?: string | undefined;
}

/**
 * Reads `a.b.c` from nested objects; undefined when any step is missing. A name with dots in it
 * is a key too: namespaced claims such as Auth0's `https://toolgate.example.com/roles` are read
 * whole, and `https://ns.example.com/claims.tenant` reaches `tenant` inside that claim. The
 * longest key that exists is tried first, then shorter ones. Only own properties count, so a path
 * such as `constructor` finds nothing.
 */
export function claimAt(claims: Claims, path: string): unknown {
  return lookup(claims, path.split('.'));
}

function lookup(value: unknown, steps: readonly string[]): unknown {
  if (steps.length === 0) return value;
  if (value === null || typeof value !== 'object') return undefined;
  for (let take = steps.length; take >= 1; take--) {
    const key = steps.slice(0, take).join('.');
    if (!Object.hasOwn(value, key)) continue;
    const found = lookup((value as Record<string, unknown>)[key], steps.slice(take));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A scope or role claim as a list: `"a b"` (RFC 9068 `scope`) or `["a", "b"]` (`scp`, `roles`). */
export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((s) => s.length > 0);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return [];
}

function firstString(claims: Claims, paths: readonly string[]): string | undefined {
  for (const path of paths) {
    const value = claimAt(claims, path);
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

function firstList(claims: Claims, paths: readonly string[]): string[] {
  for (const path of paths) {
    const value = claimAt(claims, path);
    if (value !== undefined) return stringList(value);
  }
  return [];
}

/**
 * Who a token names, from the claims `principalFromClaims` would read: for the audit of a refusal
 * whose signature checked out (an expired token, a wrong audience, no tenant claim), so `audit
 * tail --subject` finds that person's refused attempts too. Only the names, never a principal.
 */
export function identityFromClaims(
  claims: Claims,
  names: ClaimNames | undefined,
  issuer: string | undefined,
): Pick<Principal, 'subject' | 'issuer' | 'clientId'> {
  const subject = firstString(claims, [names?.subject ?? 'sub']);
  const clientId = firstString(claims, asList(names?.clientId, ['azp', 'client_id']));
  const iss = typeof claims.iss === 'string' ? claims.iss : issuer;
  return {
    ...(subject === undefined ? {} : { subject }),
    ...(iss === undefined ? {} : { issuer: iss }),
    ...(clientId === undefined ? {} : { clientId }),
  };
}

/** The principal a verified token stands for, or why it cannot stand for one. */
export function principalFromClaims(
  claims: Claims,
  names: ClaimNames | undefined,
  defaults: ClaimDefaults,
): { ok: true; principal: Principal } | { ok: false; reason: string } {
  const subjectClaim = names?.subject ?? 'sub';
  const subject = firstString(claims, [subjectClaim]);
  if (!subject) return { ok: false, reason: `the token has no "${subjectClaim}" claim` };
  if (GATEWAY_ACTORS.has(subject))
    return {
      ok: false,
      reason: `the "${subjectClaim}" claim "${subject}" is a name the gateway records its own acts under`,
    };
  const tenantClaim = names?.tenant ?? 'tenant';
  const claimed = claimAt(claims, tenantClaim);
  // The default tenant is for tokens without the claim. One that carries it in another shape (a
  // list from a multivalued IdP mapper, a number, "") was put in the default tenant, its person
  // then reading and approving that tenant's records (outside probe): refused, saying why.
  if (claimed !== undefined && claimed !== null && (typeof claimed !== 'string' || claimed.length === 0))
    return {
      ok: false,
      reason: `the "${tenantClaim}" claim is ${shapeOf(claimed)}, not one tenant name (a multivalued IdP mapper makes a list)`,
    };
  const tenant = (claimed as string | null | undefined) ?? defaults.defaultTenant;
  if (!tenant) {
    return { ok: false, reason: `the token has no "${tenantClaim}" claim and auth.defaultTenant is not set` };
  }
  const clientId = firstString(claims, asList(names?.clientId, ['azp', 'client_id']));
  const issuer = typeof claims.iss === 'string' ? claims.iss : defaults.issuer;
  return {
    ok: true,
    principal: {
      actorId: subject,
      tenant,
      roles: firstList(claims, [names?.roles ?? 'roles']),
      scopes: firstList(claims, asList(names?.scopes, ['scope', 'scp'])),
      subject,
      issuer,
      ...(clientId === undefined ? {} : { clientId }),
    },
  };
}

/** How a claim that should be a string is shaped instead, for a refusal's reason. */
function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === '') return 'empty';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
