import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  InsufficientScopeError,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientProvider,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { staticCredentials } from '../../src/credentials/provider.js';
import { adminOnly, getCustomerSummary, getTicket } from '../helpers/fixture-tools.js';
import { startTestServer } from '../helpers/http-server.js';
import { startOidcProvider, type TestIdp } from '../helpers/oidc-provider.js';
import { freePort } from './helpers.js';

/**
 * Issue #12, end to end with real parts: the official MCP SDK client's OAuth flow against the
 * gateway and a real `oidc-provider`: 401 → RFC 9728 discovery → dynamic registration →
 * authorization code + PKCE (with resource=) → JWT access token → tools/list filtered by the
 * granted scopes → tools/call → 403 insufficient_scope for a scope the token lacks.
 */
const UPSTREAM_SECRET = 'upstream-service-credential-7f3a9c';
const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
const upstream = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ url: req.url ?? '', headers: req.headers, body });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ invoice_id: 'inv_1', total_usd: 12.5 }));
  });
});

const lookupInvoice = defineTool({
  name: 'lookup_invoice',
  description: 'Reads one invoice from the billing API with the server-side credential.',
  input: z.object({ invoice_id: z.string() }),
  output: z.object({ invoice_id: z.string(), total_usd: z.number() }),
  scopes: ['billing:read'],
  tenant: 'caller',
  credentials: ['billing_api'],
  handler: async ({ invoice_id }, ctx) => {
    const { port } = upstream.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/invoices/${invoice_id}`, {
      headers: { authorization: `Bearer ${ctx.credential('billing_api')}` },
      signal: ctx.signal,
    });
    return (await response.json()) as { invoice_id: string; total_usd: number };
  },
});

let idp: TestIdp;
let gateway: Awaited<ReturnType<typeof startTestServer>>;
let mcpUrl: URL;

beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  idp = await startOidcProvider({
    users: [
      { id: 'alice', claims: { tenant: 'acme', roles: ['support'] }, allowedScopes: ['billing:read', 'tickets:read'] },
    ],
    scopes: ['billing:read', 'tickets:read', 'admin:write'],
  });
  const port = await freePort();
  mcpUrl = new URL(`http://127.0.0.1:${port}/mcp`);
  gateway = await startTestServer(
    {
      tools: [getCustomerSummary, getTicket, adminOnly, lookupInvoice],
      credentials: staticCredentials({ test: { billing_read: 'x'.repeat(20), billing_api: UPSTREAM_SECRET } }, 'test'),
      auth: { resource: mcpUrl.href, jwt: { issuer: idp.issuer } },
    },
    { PORT: String(port) },
  );
});
afterAll(async () => {
  await gateway?.stop();
  await idp?.close();
  upstream.close();
});

/** An in-memory OAuth client, as an MCP host would keep it; the "browser" is the IdP helper. */
function memoryProvider(): OAuthClientProvider & { authorizationUrls: URL[] } {
  let client: Awaited<ReturnType<OAuthClientProvider['clientInformation']>>;
  let tokens: Awaited<ReturnType<OAuthClientProvider['tokens']>>;
  let verifier = '';
  let discovery: Awaited<ReturnType<NonNullable<OAuthClientProvider['discoveryState']>>>;
  const authorizationUrls: URL[] = [];
  return {
    authorizationUrls,
    redirectUrl: 'http://127.0.0.1:9/callback',
    clientMetadata: {
      client_name: 'toolgate-oauth-test',
      redirect_uris: ['http://127.0.0.1:9/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    clientInformation: () => client,
    saveClientInformation: (info) => void (client = info),
    tokens: () => tokens,
    saveTokens: (t) => void (tokens = t),
    redirectToAuthorization: (url) => void authorizationUrls.push(url),
    saveCodeVerifier: (v) => void (verifier = v),
    codeVerifier: () => verifier,
    // Lets the SDK check that the callback comes from the authorization server it started with.
    saveDiscoveryState: (state) => void (discovery = state),
    discoveryState: () => discovery,
  };
}

describe('OAuth with the official MCP SDK client and a real oidc-provider', () => {
  const provider = memoryProvider();
  let accessToken = '';

  it('401 → discovery → registration → code + PKCE → token; tools/list shows what the scopes allow', async () => {
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await expect(new Client({ name: 'oauth-test', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    const authorizationUrl = provider.authorizationUrls.at(-1)!;
    expect(authorizationUrl.origin).toBe(idp.issuer); // found through the protected-resource metadata
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(mcpUrl.href);
    expect(authorizationUrl.searchParams.get('scope')?.split(' ').sort()).toEqual(
      ['admin:write', 'billing:read', 'tickets:read'], // the 401 challenge's scope
    );
    const callback = await idp.authorize(authorizationUrl);
    expect(callback.searchParams.get('code')).toBeTruthy();
    await first.finishAuth(callback.searchParams);

    const tokens = await provider.tokens();
    accessToken = tokens!.access_token;
    expect(tokens!.scope?.split(' ').sort()).toEqual(['billing:read', 'tickets:read']); // admin:write refused

    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_customer_summary', 'get_support_ticket', 'lookup_invoice']);
    await client.close();
  });

  it('tools/call works; the audit names subject, issuer and OAuth client', async () => {
    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    const result = await client.callTool({ name: 'get_customer_summary', arguments: { customer_id: 'cus_1' } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ customer_id: 'cus_1', balance_usd: 42.5 });
    const auditId = (result._meta as Record<string, string>)['io.toolgate/audit_id']!;
    const event = await gateway.store.audit.get(auditId);
    const info = await provider.clientInformation();
    expect(event).toMatchObject({
      outcome: 'ok',
      actor: 'alice',
      tenant: 'acme',
      subject: 'alice',
      issuer: idp.issuer,
      clientId: info!.client_id,
    });
    expect((await gateway.store.audit.verify()).ok).toBe(true);
    await client.close();
  });

  it('never forwards the inbound token upstream: the handler uses the server-side credential', async () => {
    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    seen.length = 0;
    const result = await client.callTool({ name: 'lookup_invoice', arguments: { invoice_id: 'inv_1' } });
    expect(result.isError).toBeFalsy();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
    // Nowhere in what the upstream received: not a header, the URL or the body.
    expect(JSON.stringify(seen[0])).not.toContain(accessToken);
    expect(JSON.stringify(seen[0])).not.toContain(accessToken.split('.')[2]!);
    await client.close();
  });

  it('a call needing a scope the token lacks gets HTTP 403 insufficient_scope, and the SDK steps up', async () => {
    const throwing = new Client({ name: 'oauth-test', version: '1.0.0' });
    await throwing.connect(
      new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, onInsufficientScope: 'throw' }),
    );
    const refused = await throwing
      .callTool({ name: 'delete_customer_record', arguments: { customer_id: 'cus_1' } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InsufficientScopeError);
    expect((refused as InsufficientScopeError).requiredScope).toBe('admin:write');
    expect((refused as InsufficientScopeError).resourceMetadataUrl?.href).toBe(
      new URL('/.well-known/oauth-protected-resource/mcp', mcpUrl).href,
    );
    await throwing.close();

    // The default client behaviour: step up by re-authorizing with the union of scopes.
    const stepping = new Client({ name: 'oauth-test', version: '1.0.0' });
    await stepping.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    const before = provider.authorizationUrls.length;
    await expect(
      stepping.callTool({ name: 'delete_customer_record', arguments: { customer_id: 'cus_1' } }),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrls.length).toBe(before + 1);
    expect(provider.authorizationUrls.at(-1)!.searchParams.get('scope')?.split(' ')).toContain('admin:write');
    await stepping.close();

    const [denied] = await gateway.store.audit.query({ kind: 'auth.denied', tool: 'delete_customer_record' });
    expect(denied).toMatchObject({ actor: 'alice', subject: 'alice', errorCode: 'insufficient_scope' });
    expect(denied!.reason).toContain('missing scope admin:write');
  });

  it('serves RFC 9728 metadata at the root and path-suffixed well-known URLs', async () => {
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const response = await fetch(new URL(path, mcpUrl));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        resource: mcpUrl.href,
        authorization_servers: [idp.issuer],
        scopes_supported: ['admin:write', 'billing:read', 'tickets:read'],
        bearer_methods_supported: ['header'],
        resource_name: 'Toolgate',
      });
    }
  });

  it('lets a browser-based client read the metadata cross-origin (CORS, preflight); the Host check stays', async () => {
    const path = new URL('/.well-known/oauth-protected-resource/mcp', mcpUrl);
    // The Inspector's UI discovers the authorization server from its own origin; refused with 403
    // before, so its sign-in could not start.
    const read = await fetch(path, {
      headers: { origin: 'http://localhost:6274', 'mcp-protocol-version': '2025-11-25' },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await fetch(path, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:6274',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'mcp-protocol-version',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('mcp-protocol-version');
    // Only the public document: /mcp still refuses that Origin, and a rebinding Host is refused anyway.
    const mcp = await fetch(mcpUrl, { method: 'POST', headers: { origin: 'http://localhost:6274' }, body: '{}' });
    expect(mcp.status).toBe(403);
    const rebinding = await new Promise<number>((resolve, reject) => {
      const req = request(path, { headers: { host: 'evil.example' } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(rebinding).toBe(403);
  });
});
