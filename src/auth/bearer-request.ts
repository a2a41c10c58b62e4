/**
 * Reads the bearer token out of a request, the only place it may be (MCP authorization, "Token
 * Requirements"; RFC 6750 §2.1). Framework-free: fetch `Headers` or node's `IncomingHttpHeaders`.
 * Whether the token is any good is left to the authenticator.
 */
export interface AuthRequest {
  /** Fetch `Headers`, or node's `IncomingHttpHeaders` (lower-case names). */
  readonly headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The request URL: absolute, or path plus query. */
  readonly url: string | URL;
}

export type BearerRead =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'none' }
  | {
      readonly kind: 'refused';
      readonly status: 400 | 401;
      readonly reason: string;
      /** Absent: no error code in the challenge (RFC 6750 §3, an unsupported scheme). */
      readonly error?: 'invalid_request';
      readonly description?: string;
    };

export function readBearer(request: AuthRequest): BearerRead {
  // MCP authorization, "Token Requirements": "Access tokens MUST NOT be included in the URI query
  // string". RFC 6750 §3.1: a malformed request is "invalid_request", HTTP 400. (A path without a
  // query cannot carry one, so the common case skips parsing a URL.)
  if (hasQueryToken(request.url)) {
    const description = 'Send the token in the Authorization header, never in the URL.';
    return { kind: 'refused', status: 400, reason: 'token in the query string', error: 'invalid_request', description };
  }
  // RFC 6750 §2.2 form-body tokens are not accepted either: these routes take JSON only, so a
  // form-encoded body is refused before anyone could read a token out of it.
  if (/^application\/x-www-form-urlencoded/i.test(header(request, 'content-type') ?? '')) {
    const reason = 'form-encoded body (tokens only in the Authorization header)';
    const description = 'Send JSON, and the token in the Authorization header.';
    return { kind: 'refused', status: 400, reason, error: 'invalid_request', description };
  }
  const authorization = header(request, 'authorization');
  if (authorization === undefined) return { kind: 'none' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match?.[1]) return { kind: 'token', token: match[1] };
  const scheme = authorization.split(' ')[0] ?? '';
  if (/^bearer$/i.test(scheme)) {
    const description = 'Send Authorization: Bearer <token>.';
    return {
      kind: 'refused',
      status: 400,
      reason: 'malformed Authorization header',
      error: 'invalid_request',
      description,
    };
  }
  // RFC 6750 §3: a client that "attempted using an unsupported authentication method" gets a
  // challenge that "SHOULD NOT include an error code".
  return { kind: 'refused', status: 401, reason: `unsupported authentication scheme ${scheme.slice(0, 20)}` };
}

function hasQueryToken(url: string | URL): boolean {
  if (typeof url === 'string' && !url.includes('?')) return false;
  const parsed = typeof url === 'string' ? new URL(url, 'http://localhost') : url;
  return parsed.searchParams.has('access_token');
}

export function header(request: AuthRequest, name: string): string | undefined {
  const { headers } = request;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | readonly string[] | undefined>)[name];
  return Array.isArray(value) ? value.join(', ') : (value as string | undefined);
}
