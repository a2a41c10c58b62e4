import { isHttpsOrLoopback } from '../util/loopback.js';

/**
 * Finds an issuer's `jwks_uri` when the config gives none: OpenID Connect Discovery first, then
 * RFC 8414 authorization server metadata. Each fetch has a timeout; a failure is thrown and the
 * caller answers 503 (and tries again on the next request).
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const base = new URL(issuer);
  const path = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
  const candidates = [
    // OpenID Connect Discovery 1.0 §4: issuer + "/.well-known/openid-configuration".
    `${base.origin}${path}/.well-known/openid-configuration`,
    // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
    `${base.origin}/.well-known/oauth-authorization-server${path}`,
  ];
  const problems: string[] = [];
  for (const url of candidates) {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    } catch (error) {
      problems.push(
        `${url}: ${(error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (error as Error).message}`,
      );
      continue;
    }
    if (!response.ok) {
      problems.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    const metadata = (await response.json().catch(() => ({}))) as { issuer?: unknown; jwks_uri?: unknown };
    // RFC 8414 §3.3: "The "issuer" value returned MUST be identical to the authorization server's
    // issuer identifier value into which the well-known URI string was inserted".
    if (metadata.issuer !== issuer) {
      problems.push(`${url}: issuer is ${JSON.stringify(metadata.issuer)}, expected ${issuer}`);
      continue;
    }
    // MCP authorization, "Communication Security": authorization server endpoints "MUST be served
    // over HTTPS". An https issuer whose metadata points at a plain-http key set gives the keys to
    // whoever is on the network path (outside probe); loopback stays allowed for development.
    if (typeof metadata.jwks_uri === 'string' && !isHttpsOrLoopback(metadata.jwks_uri)) {
      problems.push(`${url}: jwks_uri ${metadata.jwks_uri} is not https`);
      continue;
    }
    if (typeof metadata.jwks_uri === 'string') return metadata.jwks_uri;
    problems.push(`${url}: no jwks_uri`);
  }
  throw new Error(`could not discover jwks_uri for ${issuer} (${problems.join('; ')}); set auth.jwt.jwksUri`);
}
