import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport, type OAuthClientProvider } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAcmeTokens, startAcme } from '../../examples/acme/api/start.js';
import { demoEnvironment } from '../../examples/acme/demo-env.js';
import { demoIdpUsers } from '../../examples/acme/idp/demo-users.js';
import { CONSOLE_CLIENT_ID } from '../../examples/acme/idp/gateway-settings.js';
import { startAcmeIdp, type AcmeIdp } from '../../examples/acme/idp/start-idp.js';
import { acmeConfig } from '../../examples/acme/toolgate.config.js';
import { silentLogger } from '../../src/log/logger.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { CONSOLE_SECRET, CookieJar, freePort } from './oidc-support.js';

/**
 * The demo's wiring as `toolgate demo` sets it up (Acme, its IdP, the gateway trusting the IdP):
 * the official MCP SDK client registers itself at the IdP, the agent signs in on the IdP's page
 * and consents, and the JWT it gets works on /mcp with the support assistant's toolset. The
 * static demo token keeps working beside it.
 */
const users = demoIdpUsers();
const ada = users.find((u) => u.username === 'ada')!;
let dir: string;
let acme: Awaited<ReturnType<typeof startAcme>>;
let idp: AcmeIdp;
let server: RunningServer;
let env: Record<string, string>;
let mcpUrl: URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'toolgate-oidc-demo-'));
  const tokens = newAcmeTokens();
  acme = await startAcme({ dbPath: join(dir, 'acme.db'), tokens });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mcpUrl = new URL(`${url}/mcp`);
  env = { ...demoEnvironment(acme.url, tokens), PORT: String(port), TOOLGATE_PUBLIC_URL: url };
  const scopes = [...new Set(acmeConfig(env).tools.flatMap((t) => t.scopes))].sort();
  idp = await startAcmeIdp({
    port: 0,
    resource: mcpUrl.href,
    scopes,
    users,
    console: {
      clientId: CONSOLE_CLIENT_ID,
      clientSecret: CONSOLE_SECRET,
      redirectUris: [`${url}/console/oidc/callback`],
    },
  });
  Object.assign(env, {
    TOOLGATE_DB: join(dir, 'toolgate.db'),
    TOOLGATE_DEMO_IDP_ISSUER: idp.issuer,
    TOOLGATE_DEMO_CONSOLE_SECRET: CONSOLE_SECRET,
  });
  server = await startServer(acmeConfig(env), env, silentLogger);
}, 30_000);
afterAll(async () => {
  await server?.close();
  await idp?.close();
  await acme?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What an MCP host keeps between the 401 and the callback. */
function memoryProvider(): OAuthClientProvider & { urls: URL[] } {
  const redirect = 'http://127.0.0.1:9/callback';
  const state: Record<string, unknown> = {};
  const urls: URL[] = [];
  return {
    urls,
    redirectUrl: redirect,
    clientMetadata: {
      client_name: 'Demo MCP host',
      redirect_uris: [redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    clientInformation: () => state.client as never,
    saveClientInformation: (info) => void (state.client = info),
    tokens: () => state.tokens as never,
    saveTokens: (t) => void (state.tokens = t),
    redirectToAuthorization: (url) => void urls.push(url),
    saveCodeVerifier: (v) => void (state.verifier = v),
    codeVerifier: () => String(state.verifier),
    saveDiscoveryState: (s) => void (state.discovery = s),
    discoveryState: () => state.discovery as never,
  };
}

/** A person at the IdP: the sign-in page, then the consent page, then back to the host. */
async function signInAndConsent(authorizationUrl: URL, username: string, password: string): Promise<URL> {
  const jar = new CookieJar();
  const login = await jar.follow(authorizationUrl);
  expect(await login.response.text()).toContain('Demo MCP host asks you to sign in');
  const consent = await jar.follow(new URL(`${login.url.pathname}/login`, login.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  });
  const page = await consent.response.text();
  expect(page).toContain('Allow access?');
  expect(page).toContain(mcpUrl.href);
  let response = await jar.fetch(new URL(`${consent.url.pathname}/confirm`, consent.url), { method: 'POST' });
  let next = consent.url;
  while (response.status >= 300 && response.status < 400) {
    next = new URL(response.headers.get('location')!, next);
    if (next.origin !== idp.issuer) return next;
    response = await jar.fetch(next);
  }
  throw new Error(`The IdP did not send the browser back (status ${response.status}).`);
}

describe('the demo gateway trusts its IdP for /mcp', () => {
  it('an MCP client registers, the agent signs in and consents, and the JWT works on /mcp', async () => {
    const provider = memoryProvider();
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await expect(new Client({ name: 'demo-host', version: '1.0.0' }).connect(first)).rejects.toThrow();
    const authorizationUrl = provider.urls.at(-1)!;
    expect(authorizationUrl.origin).toBe(idp.issuer);
    expect(authorizationUrl.searchParams.get('resource')).toBe(mcpUrl.href);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');

    const callback = await signInAndConsent(authorizationUrl, ada.username, ada.password);
    await first.finishAuth(callback.searchParams);
    const tokens = await provider.tokens();
    const payload = JSON.parse(Buffer.from(tokens!.access_token.split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ iss: idp.issuer, aud: mcpUrl.href, sub: 'usr_support_ada', tenant: 'eu' });

    const client = new Client({ name: 'demo-host', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('get_customer_billing_summary');
    const result = await client.callTool({
      name: 'get_customer_billing_summary',
      arguments: { customer_id: 'cus_123', reason: 'customer asked about a declined card' },
    });
    expect(result.isError).toBeFalsy();
    const auditId = (result._meta as Record<string, string>)['io.toolgate/audit_id']!;
    expect(await server.store.audit.get(auditId)).toMatchObject({ subject: 'usr_support_ada', issuer: idp.issuer });
    await client.close();
  });

  it('the static demo token still works beside OAuth (curl, Claude Code with a header)', async () => {
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.TOOLGATE_DEMO_AGENT_TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('get_customer_billing_summary');
  });
});
