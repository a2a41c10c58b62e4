import { fetchAuthServerMetadata, fetchJson, type AuthServerMetadata } from './auth-server-metadata.js';
import type { DoctorCheck } from './doctor-check.js';
import { isLoopbackHost } from '../util/loopback.js';

/**
 * `doctor`'s OAuth checks (issue #12): reads the gateway's RFC 9728 metadata and its
 * authorization server's metadata as Claude.ai, Claude Desktop or the MCP SDK client would, and
 * reports what would make such a client give up. A static-token-only gateway (no metadata, no
 * `resource_metadata` in its challenge) gets no OAuth checks: `connect claude-ai` explains that case.
 */
interface ResourceMetadata {
  readonly resource?: unknown;
  readonly authorization_servers?: unknown;
  readonly scopes_supported?: unknown;
}

export async function oauthChecks(base: string, challenge: string, timeoutMs: number): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const add = (name: string, status: DoctorCheck['status'], detail: string) => checks.push({ name, status, detail });
  const advertised = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
  // RFC 9728 §3.1: path-suffixed well-known URL first (the resource is <base>/mcp), then the root one.
  const candidates = advertised
    ? [advertised]
    : [`${base}/.well-known/oauth-protected-resource/mcp`, `${base}/.well-known/oauth-protected-resource`];
  let prm: ResourceMetadata | undefined;
  const problems: string[] = [];
  for (const url of candidates) {
    const got = await fetchJson(url, timeoutMs);
    if (got.ok) {
      prm = got.json as ResourceMetadata;
      break;
    }
    problems.push(`${url}: ${got.problem}`);
  }
  if (!prm) {
    if (advertised)
      add('oauth metadata', 'fail', `the 401 names ${advertised}, but it cannot be read (${problems[0]})`);
    return checks;
  }
  const servers = Array.isArray(prm.authorization_servers) ? prm.authorization_servers.map(String) : [];
  const scopes = Array.isArray(prm.scopes_supported) ? prm.scopes_supported.map(String) : [];
  add(
    'oauth metadata',
    servers.length ? 'ok' : 'fail',
    servers.length
      ? `authorization server ${servers.join(', ')}; scopes ${scopes.join(' ') || '(none listed)'}`
      : 'the protected-resource metadata lists no authorization_servers: clients cannot find where to sign in',
  );

  // MCP authorization, "Canonical Server URI" + RFC 9728 §3.3: the metadata's `resource` MUST be
  // the URL the client used; the MCP SDK refuses metadata for another resource, and tokens minted
  // for another audience are refused by the gateway.
  const expected = `${base}/mcp`;
  const resource = String(prm.resource ?? '');
  add(
    'resource',
    resource.replace(/\/+$/, '') === expected ? 'ok' : 'fail',
    resource.replace(/\/+$/, '') === expected
      ? `${resource} is the URL clients use`
      : `the metadata says resource ${resource || '(none)'} but clients use ${expected}; ` +
          'set auth.resource (or publicUrl) to the URL clients use',
  );
  if (!servers[0]) return checks;

  const found = await fetchAuthServerMetadata(servers[0], timeoutMs);
  if (!found.ok) {
    add('authorization server', 'fail', `no metadata for ${servers[0]} (${found.problems.join('; ')})`);
    return checks;
  }
  add('authorization server', 'ok', `metadata at ${found.url}`);
  checks.push(...judgeAuthServer(found.metadata, [base, resource, servers[0]]));
  const jwks = typeof found.metadata.jwks_uri === 'string' ? found.metadata.jwks_uri : null;
  const keys = jwks ? await fetchJson(jwks, timeoutMs) : null;
  const count = keys?.ok ? ((keys.json as { keys?: unknown[] }).keys?.length ?? 0) : 0;
  add(
    'jwks',
    count > 0 ? 'ok' : 'fail',
    count > 0
      ? `${count} signing key(s) at ${jwks}`
      : `JWKS ${jwks ?? '(no jwks_uri in the metadata)'} ${keys && !keys.ok ? `unreachable: ${keys.problem}` : 'has no keys'}` +
          ': JWT access tokens cannot be verified',
  );
  return checks;
}

/** The parts of an authorization server's metadata a client depends on; pure, so each row is testable. */
export function judgeAuthServer(metadata: AuthServerMetadata, otherUrls: readonly string[]): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const methods = Array.isArray(metadata.code_challenge_methods_supported)
    ? metadata.code_challenge_methods_supported
    : null;
  // MCP authorization, "Authorization Code Protection": if code_challenge_methods_supported is
  // absent, clients MUST refuse to proceed; OAuth 2.1 §4.1.1 makes S256 the method to use.
  checks.push(
    methods?.includes('S256')
      ? { name: 'pkce', status: 'ok', detail: 'S256 offered' }
      : {
          name: 'pkce',
          status: 'fail',
          detail: methods
            ? `code_challenge_methods_supported is [${methods.join(', ')}]: no S256, so MCP clients refuse`
            : 'no code_challenge_methods_supported in the metadata: MCP clients must refuse to proceed',
        },
  );
  const registration = typeof metadata.registration_endpoint === 'string' ? metadata.registration_endpoint : null;
  checks.push(
    registration
      ? { name: 'registration', status: 'ok', detail: `dynamic client registration at ${registration}` }
      : metadata.client_id_metadata_document_supported === true
        ? { name: 'registration', status: 'ok', detail: 'client ID metadata documents supported' }
        : {
            name: 'registration',
            status: 'warn',
            detail:
              'no registration_endpoint: clients cannot register themselves; pre-register one and enter its ' +
              'client id in the connector (`toolgate connect claude-ai` lists the callback URLs to allow)',
          },
  );
  // OAuth 2.1 §1.5: every endpoint except loopback redirect URIs must be https.
  const urls = [
    ...otherUrls,
    metadata.authorization_endpoint,
    metadata.token_endpoint,
    metadata.registration_endpoint,
    metadata.jwks_uri,
  ].filter((u): u is string => typeof u === 'string' && u.length > 0);
  const plain = urls.filter((u) => u.startsWith('http://'));
  const remote = plain.filter((u) => !isLoopbackHost(new URL(u).hostname));
  checks.push(
    remote.length
      ? { name: 'https', status: 'fail', detail: `plain http off localhost: ${remote.join(', ')}; Claude needs https` }
      : plain.length
        ? { name: 'https', status: 'ok', detail: 'plain http on localhost only (development)' }
        : { name: 'https', status: 'ok', detail: 'every OAuth URL is https' },
  );
  return checks;
}
