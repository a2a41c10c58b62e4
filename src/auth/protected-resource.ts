import { isHttpsOrLoopback } from '../util/loopback.js';

/**
 * RFC 9728 Protected Resource Metadata: the document that tells an MCP client which
 * authorization server issues tokens for this gateway and which scopes to ask for. Serving it is
 * left to the HTTP app; this module builds the document and its URLs.
 */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported: readonly string[];
  readonly bearer_methods_supported: readonly ['header'];
  readonly resource_name?: string;
}

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

/**
 * RFC 9728 §3.1: "the well-known URI string ... is inserted into the protected resource's
 * resource identifier between the host component and the path and/or query components". For
 * `https://gw.example.com/mcp` that is `https://gw.example.com/.well-known/oauth-protected-resource/mcp`.
 */
export function metadataUrlFor(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}${METADATA_PATH}${path}`;
}

/** The paths this server answers the document on: the root one and the path-suffixed one. */
export function metadataPaths(resource: string): string[] {
  const suffixed = new URL(metadataUrlFor(resource)).pathname;
  return suffixed === METADATA_PATH ? [METADATA_PATH] : [METADATA_PATH, suffixed];
}

/**
 * MCP authorization, "Canonical Server URI": the resource identifier "MUST" be an absolute URI
 * without a fragment (RFC 8707 §2), and the form without a trailing slash "SHOULD" be used.
 */
export function canonicalResource(resource: string): string {
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new TypeError(
      `auth.resource "${resource}" is not an absolute URL; use e.g. https://toolgate.example.com/mcp.`,
    );
  }
  if (url.hash || resource.includes('#')) {
    throw new TypeError(`auth.resource "${resource}" has a fragment; RFC 8707 forbids one. Remove the #… part.`);
  }
  // Outside probe: a plain-http resource off loopback was accepted although this message said not.
  if (!isHttpsOrLoopback(url)) {
    throw new TypeError(`auth.resource "${resource}" must be an https URL (http only on loopback for development).`);
  }
  return url.pathname === '/' && !url.search ? url.origin : url.href.replace(/\/$/, '');
}

export function protectedResourceMetadata(options: {
  readonly resource: string;
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly resourceName?: string | undefined;
}): ProtectedResourceMetadata {
  return {
    // RFC 9728 §2: "resource: REQUIRED. The protected resource's resource identifier".
    resource: options.resource,
    // MCP authorization, "Authorization Server Discovery": the metadata "MUST include the
    // authorization_servers field containing at least one authorization server".
    authorization_servers: [...options.authorizationServers],
    // MCP "Scope Selection Strategy": scopes_supported is the minimal set for basic use.
    scopes_supported: [...options.scopesSupported],
    // MCP "Token Requirements": the Authorization header only; never the query string.
    bearer_methods_supported: ['header'],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
  };
}
