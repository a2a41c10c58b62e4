/**
 * Who is calling. Surfaces authenticate at the edge (bearer token, app session, stdio config)
 * and hand the pipeline a Principal; the pipeline never reads headers.
 */
export interface Principal {
  /** Stable id of the human or service the call acts for, e.g. `usr_42` or `svc_support_bot`. */
  readonly actorId: string;
  /** The tenant whose records this principal may touch. */
  readonly tenant: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  /** OAuth callers only: the token's `sub`, as the issuer names the human or service. */
  readonly subject?: string;
  /** OAuth callers only: the token's `iss` (the authorization server that vouched for it). */
  readonly issuer?: string;
  /** OAuth callers only: the OAuth client the token was issued to (`azp` / `client_id`). */
  readonly clientId?: string;
}

/** The optional fields an OAuth caller's principal carries, each a string when set. */
export const OAUTH_FIELDS = ['subject', 'issuer', 'clientId'] as const;

/**
 * What is wrong with a value that should be a Principal, named from `at`; none when it is one.
 * The config's tokens, stdio caller and approvers are held to it when loaded, and an app's
 * principal on the direct route when it calls: one with a list for a tenant was audited as
 * "unavailable", the store refusing to write it (outside probe).
 */
export function principalProblems(principal: unknown, at: string): string[] {
  if (principal === null || typeof principal !== 'object') return [`${at} must be { actorId, tenant, roles, scopes }`];
  const p = principal as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['actorId', 'tenant'])
    if (typeof p[key] !== 'string' || p[key] === '') problems.push(`${at}.${key} must be a non-empty string`);
  for (const key of ['roles', 'scopes'])
    if (!Array.isArray(p[key]) || !(p[key] as unknown[]).every((v) => typeof v === 'string'))
      problems.push(`${at}.${key} must be a list of strings (use [] for none)`);
  for (const key of OAUTH_FIELDS)
    if (p[key] !== undefined && typeof p[key] !== 'string') problems.push(`${at}.${key} must be a string when set`);
  return problems;
}

/** The route a call came in on; recorded in every audit event. */
export type Surface = 'mcp_http' | 'mcp_stdio' | 'direct' | 'api' | 'cli' | 'console' | 'internal';

/**
 * The names the gateway records its own acts under (an auto-approval, the executor, verify, the
 * reconciler, expiry). No caller may take one: a token whose `sub` was `system:auto-approve` was
 * admitted, and its calls were audited as the gateway's own policy (outside probe, 2026-12-07).
 * Exact names, not the `system:` prefix, which Kubernetes service accounts' subjects start with.
 */
export const GATEWAY_ACTOR = {
  autoApprove: 'system:auto-approve',
  executor: 'system:executor',
  verifier: 'system:verifier',
  reconciler: 'system:reconciler',
  expiry: 'system:expiry',
} as const;
export const GATEWAY_ACTORS: ReadonlySet<string> = new Set(Object.values(GATEWAY_ACTOR));
