import type { AuthConfig, ClaimNames } from './auth-config.js';
import { asList } from './auth-config.js';
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
  readonly audience: readonly string[];
  readonly issuer: string;
  readonly metadata: ProtectedResourceMetadata;
  /** The path-suffixed RFC 9728 URL put in every challenge. */
  readonly metadataUrl: string;
  /** The paths the metadata is served on. */
  readonly metadataPaths: readonly string[];
  claims(method: 'jwt' | 'introspection'): ClaimNames | undefined;
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
  const issuer = auth.jwt?.issuer ?? auth.introspection?.issuer;
  const servers = auth.authorizationServers ?? (issuer ? [issuer] : []);
  if (!issuer || servers.length === 0) {
    throw new TypeError('Set auth.jwt.issuer (or auth.introspection.issuer / auth.authorizationServers).');
  }
  const scopes = auth.scopesSupported ?? [...new Set(toolScopes)].sort();
  return {
    resource,
    audience: asList(auth.jwt?.audience, [resource]),
    issuer,
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
