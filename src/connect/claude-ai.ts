import { resourceServerSettings } from '../auth/resource-server.js';
import type { ToolgateConfig } from '../config/define-config.js';
import { oauthClientOf } from '../auth/auth-config.js';
import { oauthTools } from '../config/oauth-toolset.js';
import { fetchAuthServerMetadata, type MetadataResult } from '../doctor/auth-server-metadata.js';

/**
 * `toolgate connect claude-ai`: the steps to add this gateway as a Claude.ai / Claude Desktop
 * custom connector (issue #12) — the URL to enter, how Claude finds the IdP, whether a client
 * must be pre-registered (and which callback URLs to allow), and what the IdP must support.
 * Read from the config and, when it answers, the IdP's own metadata; `doctor` checks it live.
 */
export const CLAUDE_CALLBACK_URLS = [
  'https://claude.ai/api/mcp/auth_callback',
  'https://claude.com/api/mcp/auth_callback',
] as const;

export interface ClaudeAiInput {
  /** The gateway's public base URL, as people will reach it. */
  readonly url: string;
  readonly config: ToolgateConfig;
  /** The IdP's metadata, fetched by the caller; null when it was not asked or did not answer. */
  readonly idp: MetadataResult | null;
}

/** The connector steps, after asking the IdP for its metadata; `progress` hears of the wait (up to `timeoutMs`). */
export async function claudeAiConnector(
  url: string,
  config: ToolgateConfig,
  timeoutMs = 5_000,
  progress: (line: string) => void = () => undefined,
): Promise<string[]> {
  const issuer =
    config.auth?.authorizationServers?.[0] ?? config.auth?.jwt?.issuer ?? config.auth?.introspection?.issuer;
  if (issuer) progress(`reading the metadata of ${issuer} (waits up to ${timeoutMs / 1000} s)…`);
  const idp = issuer ? await fetchAuthServerMetadata(issuer, timeoutMs) : null;
  return claudeAiSteps({ url, config, idp });
}

export function claudeAiSteps({ url, config, idp }: ClaudeAiInput): string[] {
  const base = url.replace(/\/+$/, '');
  const mcpUrl = `${base}/mcp`;
  const out = [`Claude.ai / Claude Desktop custom connector for ${base}`, ''];
  out.push(
    `1. URL to enter: ${mcpUrl}`,
    '   Claude.ai: Settings → Connectors → Add custom connector (Team/Enterprise: an owner adds it under',
    '   Organization settings → Connectors, then members connect). Claude Desktop uses the same connectors.',
    "   It must be https and reachable from Anthropic's cloud, not only from your network.",
    '',
  );
  if (!config.auth) {
    return [
      ...out,
      '2. This config has no `auth` block, so the gateway is not an OAuth resource server and custom connectors',
      '   cannot sign anyone in. Add one, e.g.',
      "     auth: { jwt: { issuer: 'https://idp.example.com/…' }, client: 'claude_ai', approverRole: 'approver' }",
      '   and run this command again. (Static tokens are for Claude Code and the Messages API connector.)',
    ];
  }
  let rs;
  try {
    rs = resourceServerSettings(
      config.auth,
      config.publicUrl ?? base,
      oauthTools(config).flatMap((t) => t.scopes),
    );
  } catch (error) {
    return [...out, `2. The auth block cannot be used: ${(error as Error).message}`];
  }
  const client = oauthClientOf(config.auth);
  const tools = oauthTools(config).map((t) => t.name);
  out.push(
    `2. Claude finds the IdP through ${rs.metadataUrl}`,
    `   authorization server: ${rs.metadata.authorization_servers.join(', ')}`,
    `   scopes Claude asks for: ${rs.metadata.scopes_supported.join(' ') || '(none)'}`,
    `   access tokens must carry aud = ${rs.audience.join(' or ')}`,
  );
  if (rs.resource !== mcpUrl) {
    out.push(`   ! the config's resource is ${rs.resource}, not ${mcpUrl}: set auth.resource or publicUrl to match`);
  }
  out.push('', ...registrationSteps(idp), '', ...requirements(idp, rs.resource), '');
  out.push(
    `5. Tools OAuth callers see (toolset "${client}"): ${tools.join(', ') || '(none: define that toolset)'}`,
    '   Write actions stay drafts until a person approves them in the console.',
    '',
    `Check it live: npx toolgate doctor --url ${base}`,
  );
  return out;
}

function registrationSteps(idp: MetadataResult | null): string[] {
  const manual = [
    '   Register a web application (confidential client) at the IdP with exactly these redirect URIs:',
    ...CLAUDE_CALLBACK_URLS.map((u) => `     ${u}`),
    '   and enter its client ID and secret under the connector\'s "Advanced settings".',
  ];
  if (!idp?.ok) {
    return [
      `3. Client registration (the IdP's metadata could not be read${idp ? `: ${idp.problems[0]}` : ''}):`,
      '   With dynamic client registration (RFC 7591) Claude registers itself. Without it:',
      ...manual,
    ];
  }
  const registration = idp.metadata.registration_endpoint;
  if (typeof registration === 'string') {
    return [
      `3. Client registration: the IdP offers dynamic registration (${registration}); Claude registers itself.`,
      '   If your IdP restricts registration (a policy, an initial access token), pre-register instead:',
      ...manual,
    ];
  }
  return ['3. Client registration: the IdP has no registration_endpoint (no dynamic registration).', ...manual];
}

function requirements(idp: MetadataResult | null, resource: string): string[] {
  const methods = idp?.ok ? idp.metadata.code_challenge_methods_supported : undefined;
  const s256 = !idp?.ok ? '' : Array.isArray(methods) && methods.includes('S256') ? '  [offered]' : '  [MISSING]';
  return [
    '4. The IdP must support:',
    `   - authorization code with PKCE S256 (code_challenge_methods_supported lists S256)${s256}`,
    `   - RFC 8707 resource indicators, so a token for resource=${resource} carries that aud; or, where the`,
    '     IdP ignores `resource`, an audience mapping: Auth0 API identifier, Entra application ID URI',
    '     (api://…), Okta custom authorization server audience, Keycloak audience mapper; then set',
    '     auth.jwt.audience to that value',
    '   - metadata at RFC 8414 (/.well-known/oauth-authorization-server) or OpenID discovery',
    '   - JWT access tokens signed with an asymmetric key from its JWKS (or set auth.introspection)',
    '   - dynamic client registration, or a pre-registered client (step 3)',
  ];
}
