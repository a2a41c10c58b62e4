/**
 * Fetches an authorization server's metadata the way MCP clients do, so `doctor` and
 * `connect claude-ai` see what Claude sees. Only fetching and the issuer check live here;
 * judging the document is oauth-checks.ts's job.
 */
export interface AuthServerMetadata {
  readonly issuer?: unknown;
  readonly authorization_endpoint?: unknown;
  readonly token_endpoint?: unknown;
  readonly registration_endpoint?: unknown;
  readonly jwks_uri?: unknown;
  readonly code_challenge_methods_supported?: unknown;
  readonly client_id_metadata_document_supported?: unknown;
  readonly scopes_supported?: unknown;
}

export type MetadataResult =
  | { readonly ok: true; readonly url: string; readonly metadata: AuthServerMetadata }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * MCP authorization, "Authorization Server Metadata Discovery": for an issuer with a path,
 * clients try RFC 8414 with path insertion, then OpenID Connect Discovery with path insertion,
 * then with the path appended; without a path, RFC 8414 then OpenID Connect Discovery.
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  if (!path) {
    return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

export async function fetchAuthServerMetadata(issuer: string, timeoutMs: number): Promise<MetadataResult> {
  const problems: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    const got = await fetchJson(url, timeoutMs);
    if (!got.ok) {
      problems.push(`${url}: ${got.problem}`);
      continue;
    }
    const metadata = got.json as AuthServerMetadata;
    // RFC 8414 §3.3: the "issuer" value returned MUST be identical to the issuer identifier.
    if (metadata.issuer !== issuer) {
      problems.push(`${url}: issuer is ${JSON.stringify(metadata.issuer)}, expected ${issuer}`);
      continue;
    }
    return { ok: true, url, metadata };
  }
  return { ok: false, problems };
}

export async function fetchJson(
  url: string,
  timeoutMs: number,
): Promise<{ ok: true; json: unknown } | { ok: false; problem: string; status?: number }> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return {
      ok: false,
      problem: e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (e.cause?.code ?? e.message),
    };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { ok: false, problem: `HTTP ${response.status}`, status: response.status };
  }
  try {
    return { ok: true, json: await response.json() };
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
}
