import type { AuthConfig, ClaimNames } from './auth-config.js';
import { asList } from './auth-config.js';
import { isHttpsOrLoopback } from '../util/loopback.js';
import {
  canonicalResource,
  metadataPaths,
  metadataUrlFor,
  protectedResourceMetadata,
  type ProtectedResourceMetadata,
} from './protected-resource.js';

/**
 * The `auth` config resolved once at startup: this server's canonical resource URL, the accepted
 * audiences, the metadata document and where it is served. Mistakes (no resource, no issuer, a
 * fragment in the URL) fail at startup with what to change, not on the first request.
 */
export interface ResourceServer {
  readonly resource: string;
  /** The audiences a JWT may carry: `auth.jwt.audience`, else the resource URL. */
  readonly audience: readonly string[];
  /**
   * The issuer an audit names for a token that carries no `iss` of its own (RFC 7662 makes it
   * optional in an introspection answer): the verifying method's own issuer first. Before, one
   * issuer served both, so with JWTs and introspection configured an opaque token's subject was
   * recorded as the JWT issuer's, a person that issuer never vouched for.
   */
  issuerFor(method: 'jwt' | 'introspection'): string;
  readonly metadata: ProtectedResourceMetadata;
  /** The path-suffixed RFC 9728 URL put in every challenge. */
  readonly metadataUrl: string;
  /** The paths the metadata is served on. */
  readonly metadataPaths: readonly string[];
  claims(method: 'jwt' | 'introspection'): ClaimNames | undefined;
}

/**
 * MCP authorization (2026-07-28), "Communication Security": "All authorization server endpoints
 * MUST be served over HTTPS", and RFC 8414 §2: the issuer identifier "is a URL that uses the
 * "https" scheme". Outside probe: an issuer, JWKS and resource on plain http off loopback were
 * accepted (`doctor` flagged it, `serve` started), and anyone on the network path could swap the
 * key set and sign tokens for anyone. Plain http stays allowed on loopback, for development.
 */
function refusePlainHttp(auth: AuthConfig): void {
  const urls: Array<[string, string | undefined]> = [
    ['auth.jwt.issuer', auth.jwt?.issuer],
    ['auth.jwt.jwksUri', auth.jwt?.jwksUri],
    ['auth.introspection.endpoint', auth.introspection?.endpoint],
    ['auth.introspection.issuer', auth.introspection?.issuer],
    ...(auth.authorizationServers ?? []).map((server, i): [string, string] => [
      `auth.authorizationServers[${i}]`,
      server,
    ]),
  ];
  for (const [setting, value] of urls) {
    if (value === undefined) continue;
    if (!URL.canParse(value))
      throw new TypeError(`${setting} "${value}" is not an absolute URL; use e.g. https://idp.example.com.`);
    if (!isHttpsOrLoopback(value))
      throw new TypeError(`${setting} "${value}" must be an https URL (plain http only on loopback, for development).`);
  }
}

export function resourceServerSettings(
  auth: AuthConfig,
  publicUrl: string | null,
  toolScopes: readonly string[],
): ResourceServer {
  if (!auth.jwt && !auth.introspection) {
    throw new TypeError('The auth block needs auth.jwt (JWT access tokens) or auth.introspection (opaque tokens).');
  }
  const configured = auth.resource ?? (publicUrl ? `${publicUrl.replace(/\/$/, '')}/mcp` : undefined);
  if (!configured) {
    throw new TypeError(
      "OAuth needs this server's resource URL: set auth.resource (e.g. https://toolgate.example.com/mcp) or publicUrl.",
    );
  }
  const resource = canonicalResource(configured);
  refusePlainHttp(auth);
  const issuer = auth.jwt?.issuer ?? auth.introspection?.issuer;
  const servers = auth.authorizationServers ?? (issuer ? [issuer] : []);
  if (!issuer) {
    // The audit names a person by (issuer, subject): an issuer is needed even where
    // authorizationServers lists the servers for the metadata document.
    throw new TypeError('Set auth.jwt.issuer or auth.introspection.issuer: the audit names who issued each token.');
  }
  if (servers.length === 0) throw new TypeError('auth.authorizationServers is empty: list at least one.');
  // MCP "Scope Selection Strategy": scopes_supported is "the minimal set of scopes necessary for
  // basic functionality". By default, the scopes of the tools OAuth callers get (their toolset):
  // the scopes of every tool were offered, and a connector asked for admin:write to use one read
  // tool (outside probe). Narrower still, e.g. read scopes only with writes on step-up, is
  // auth.scopesSupported; a tool the token lacks a scope for is not listed, so it is a choice.
  const scopes = auth.scopesSupported ?? [...new Set(toolScopes)].sort();
  return {
    resource,
    audience: asList(auth.jwt?.audience, [resource]),
    issuerFor: (method) =>
      (method === 'jwt' ? auth.jwt?.issuer : auth.introspection?.issuer) ?? auth.jwt?.issuer ?? issuer,
    metadata: protectedResourceMetadata({
      resource,
      authorizationServers: servers,
      scopesSupported: scopes,
      resourceName: auth.resourceName ?? 'Toolgate',
    }),
    metadataUrl: metadataUrlFor(resource),
    metadataPaths: metadataPaths(resource),
    claims: (method) => (method === 'jwt' ? auth.jwt?.claims : auth.introspection?.claims),
  };
}
