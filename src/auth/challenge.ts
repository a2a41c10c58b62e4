import type { Principal } from './principal.js';
/**
 * RFC 6750 Bearer challenges and the refusal a route sends back. Framework-free: the Hono routes
 * turn an AuthFailure into a `Response`, a node:http fast path can copy `headers()` onto its own.
 */
export type AuthErrorCode =
  /** Body only: no credentials at all (RFC 6750 §3: the challenge then carries no error code). */
  'unauthorized' | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'forbidden' | 'temporarily_unavailable';

export interface AuthFailure {
  readonly ok: false;
  readonly status: 400 | 401 | 403 | 503;
  readonly error: AuthErrorCode;
  /** Safe to show the client: says what to do next. */
  readonly description: string;
  /** The `WWW-Authenticate` value, or null (503: the IdP is down, the token may be fine). */
  readonly challenge: string | null;
  /** For the audit log: the precise cause (`jwt: exp claim timestamp check failed`). */
  readonly reason: string;
  readonly retryAfterSec?: number;
  /** Who the token named, when its signature checked out but it was refused all the same. */
  readonly identity?: Pick<Principal, 'subject' | 'issuer' | 'clientId'>;
}

export interface ChallengeParams {
  readonly realm?: string;
  /** RFC 9728 §5.1: the URL of this resource's metadata document. */
  readonly resourceMetadata?: string | null;
  /** RFC 6750 §3: space-delimited scopes the request needs. */
  readonly scope?: readonly string[];
  readonly error?: AuthErrorCode;
  readonly description?: string;
}

/**
 * RFC 6750 §3: "The "error_description" ... values MUST NOT include characters outside the set
 * %x20-21 / %x23-5B / %x5D-7E" — no quotes, backslashes or control characters; the same holds
 * for "scope" and "realm". A double quote becomes a single one (our messages quote claim names:
 * `has no ?sub? claim` read badly, outside probe); anything else is replaced by `?`, so a value
 * can never break the header.
 */
const quoted = (value: string) => `"${value.replaceAll('"', "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?')}"`;

export function bearerChallenge(params: ChallengeParams): string {
  const parts: string[] = [`realm=${quoted(params.realm ?? 'toolgate')}`];
  if (params.resourceMetadata) parts.push(`resource_metadata=${quoted(params.resourceMetadata)}`);
  if (params.scope && params.scope.length > 0) parts.push(`scope=${quoted(params.scope.join(' '))}`);
  if (params.error) parts.push(`error=${quoted(params.error)}`);
  if (params.description) parts.push(`error_description=${quoted(params.description)}`);
  return `Bearer ${parts.join(', ')}`;
}

/** Response headers for a refusal (shared by the Hono routes and any node:http path). */
export function failureHeaders(failure: AuthFailure): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (failure.challenge) headers['www-authenticate'] = failure.challenge;
  if (failure.retryAfterSec !== undefined) headers['retry-after'] = String(failure.retryAfterSec);
  return headers;
}

/** The body follows RFC 6749 §5.2's error JSON, which OAuth clients already parse. */
export function failureResponse(failure: AuthFailure): Response {
  return new Response(JSON.stringify({ error: failure.error, error_description: failure.description }), {
    status: failure.status,
    headers: failureHeaders(failure),
  });
}

/**
 * MCP authorization, "Runtime Insufficient Scope Errors": "HTTP 403 Forbidden" with
 * error="insufficient_scope", scope= "the minimum scopes needed for the operation" (all of them in
 * one challenge, so the client steps up once) and resource_metadata.
 */
export function insufficientScopeFailure(
  metadataUrl: string,
  needed: readonly string[],
  missing: readonly string[],
  operation: string,
): AuthFailure {
  const description = `${operation} needs the scope ${needed.join(' ')}; authorize again with it.`;
  return {
    ok: false,
    status: 403,
    error: 'insufficient_scope',
    description,
    reason: `missing scope ${missing.join(', ')} for ${operation}`,
    challenge: bearerChallenge({
      resourceMetadata: metadataUrl,
      scope: needed,
      error: 'insufficient_scope',
      description,
    }),
  };
}
