import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConnectCommand } from '../../src/cli/connect.js';
import type { ToolgateConfig } from '../../src/config/define-config.js';
import { claudeAiConnector, CLAUDE_CALLBACK_URLS } from '../../src/connect/claude-ai.js';
import { judgeAuthServer } from '../../src/doctor/oauth-checks.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { runCli } from '../helpers/capture-io.js';
import { startTestServer } from '../helpers/http-server.js';
import { startOidcProvider, type TestIdp } from '../helpers/oidc-provider.js';
import { refundAction, refundCredentials, statusTool } from '../helpers/refund-action.js';
import { demoIdpUsers } from '../../examples/acme/idp/demo-users.js';
import { startAcmeIdp } from '../../examples/acme/idp/start-idp.js';
import { freePort } from './oidc-support.js';

/**
 * `toolgate connect claude-ai` and `toolgate doctor`'s OAuth checks against real authorization
 * servers: the resource-server tests' oidc-provider (dynamic registration on), the demo IdP with
 * registration off, and one deliberately broken metadata document for the rows a good IdP never shows.
 */
type Gateway = Awaited<ReturnType<typeof startTestServer>>;
const tools = [refundAction('http://127.0.0.1:9'), statusTool];
const statusOf = (checks: { name: string; status: string }[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c.status]));

async function gatewayTrusting(issuer: string, auth: Partial<NonNullable<ToolgateConfig['auth']>> = {}) {
  const port = await freePort();
  const config: ToolgateConfig = {
    tools,
    credentials: refundCredentials,
    toolsets: { claude_ai: ['create_refund_draft', 'get_action_status'] },
    auth: { jwt: { issuer }, client: 'claude_ai', ...auth },
  };
  const server = await startTestServer(config, { PORT: String(port), TOOLGATE_PUBLIC_URL: `http://127.0.0.1:${port}` });
  return { server, config };
}

let idp: TestIdp;
let gw: { server: Gateway; config: ToolgateConfig };
beforeAll(async () => {
  idp = await startOidcProvider({ users: [{ id: 'usr_a', claims: { tenant: 'eu' } }], scopes: ['refunds:draft'] });
  gw = await gatewayTrusting(idp.issuer);
}, 30_000);
afterAll(async () => {
  await gw?.server.stop();
  await idp?.close();
});

describe('toolgate doctor: OAuth metadata', () => {
  it('passes a gateway trusting an IdP with PKCE S256, registration and a JWKS', async () => {
    const checks = await runDoctor(gw.server.url, undefined);
    expect(statusOf(checks)).toMatchObject({
      'auth challenge': 'ok',
      'oauth metadata': 'ok',
      resource: 'ok',
      'authorization server': 'ok',
      pkce: 'ok',
      registration: 'ok',
      https: 'ok',
      jwks: 'ok',
      token: 'warn',
    });
    expect(checks.some((c) => c.status === 'fail')).toBe(false);
    expect(checks.find((c) => c.name === 'registration')?.detail).toContain(`${idp.issuer}/reg`);
  });

  it('fails when the metadata names another resource than the URL clients use', async () => {
    const port = await freePort();
    // A common slip: the resource names the server root (or another path), not the /mcp clients use.
    const resource = `http://127.0.0.1:${port}/gateway`;
    const other = await startTestServer(
      { tools, credentials: refundCredentials, auth: { jwt: { issuer: idp.issuer }, resource } },
      { PORT: String(port) },
    );
    try {
      const resource = (await runDoctor(other.url, undefined)).find((c) => c.name === 'resource');
      expect(resource).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining(`clients use ${other.url}/mcp`),
      });
    } finally {
      await other.stop();
    }
  });

  it('warns when the IdP has no dynamic registration (the demo IdP with registration off)', async () => {
    const plain = await startAcmeIdp({
      port: 0,
      resource: 'http://127.0.0.1:1/mcp',
      scopes: ['refunds:draft'],
      users: demoIdpUsers(),
      console: { clientId: 'c', clientSecret: 's'.repeat(32), redirectUris: ['http://127.0.0.1:1/cb'] },
      registration: false,
    });
    const g = await gatewayTrusting(plain.issuer);
    try {
      const checks = await runDoctor(g.server.url, undefined);
      expect(checks.find((c) => c.name === 'registration')).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('no registration_endpoint'),
      });
      const out = (await claudeAiConnector(g.server.url, g.config)).join('\n');
      expect(out).toContain('the IdP has no registration_endpoint');
      for (const callback of CLAUDE_CALLBACK_URLS) expect(out).toContain(callback);
    } finally {
      await g.server.stop();
      await plain.close();
    }
  });

  it('fails on an authorization server without S256 and with an unreachable JWKS', async () => {
    let issuer = '';
    const broken: Server = createServer((req, res) => {
      res.writeHead(req.url === '/.well-known/oauth-authorization-server' ? 200 : 404, {
        'content-type': 'application/json',
      });
      res.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          code_challenge_methods_supported: ['plain'],
          jwks_uri: 'http://127.0.0.1:9/jwks',
        }),
      );
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
    const g = await gatewayTrusting(issuer);
    try {
      const checks = await runDoctor(g.server.url, undefined);
      expect(statusOf(checks)).toMatchObject({ pkce: 'fail', registration: 'warn', jwks: 'fail' });
      expect(checks.find((c) => c.name === 'pkce')?.detail).toContain('no S256');
      expect(checks.find((c) => c.name === 'jwks')?.detail).toContain('unreachable');
    } finally {
      await g.server.stop();
      broken.closeAllConnections();
      await new Promise((resolve) => broken.close(resolve));
    }
  });

  it('judges http off localhost and missing PKCE metadata as failures (pure rows)', () => {
    const rows = judgeAuthServer(
      { issuer: 'http://idp.example.com', token_endpoint: 'http://idp.example.com/token', registration_endpoint: 'x' },
      ['https://gw.example.com'],
    );
    expect(statusOf(rows)).toEqual({ pkce: 'fail', registration: 'ok', https: 'fail' });
    expect(rows.find((r) => r.name === 'https')?.detail).toContain('http://idp.example.com/token');
    expect(rows.find((r) => r.name === 'pkce')?.detail).toContain('must refuse');
  });

  it('adds no OAuth rows for a static-token-only gateway', async () => {
    const port = await freePort();
    const plain = await startTestServer({ tools, credentials: refundCredentials }, { PORT: String(port) });
    try {
      const names = (await runDoctor(plain.url, undefined)).map((c) => c.name);
      expect(names).not.toContain('oauth metadata');
    } finally {
      await plain.stop();
    }
  });
});

describe('toolgate connect claude-ai', () => {
  it('prints the URL, the IdP, dynamic registration, the callback URLs and what the IdP must support', async () => {
    const progress: string[] = [];
    const out = (await claudeAiConnector(gw.server.url, gw.config, 5_000, (line) => progress.push(line))).join('\n');
    // Said before the wait (up to 5 s on an IdP that accepts and never answers): it was silent.
    expect(progress).toEqual([`reading the metadata of ${idp.issuer} (waits up to 5 s)…`]);
    expect(out).toContain(`1. URL to enter: ${gw.server.url}/mcp`);
    expect(out).toContain(`${gw.server.url}/.well-known/oauth-protected-resource/mcp`);
    expect(out).toContain(`authorization server: ${idp.issuer}`);
    expect(out).toContain(`aud = ${gw.server.url}/mcp`);
    expect(out).toContain(`the IdP offers dynamic registration (${idp.issuer}/reg)`);
    expect(out).toMatch(/PKCE S256 .*\[offered\]/);
    for (const callback of CLAUDE_CALLBACK_URLS) expect(out).toContain(callback);
    expect(out).toContain('Tools OAuth callers see (toolset "claude_ai"): create_refund_draft, get_action_status');
    expect(out).toContain('RFC 8707 resource indicators');
  });

  it('runs from the CLI: warns about http, and explains a config without an auth block', async () => {
    const walkthrough = fileURLToPath(new URL('../../examples/walkthrough/toolgate.config.ts', import.meta.url));
    const r = await runCli(runConnectCommand, ['claude-ai', '--url', 'http://gw.internal', '--config', walkthrough]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('Claude.ai / Desktop custom connector accepts only https:// URLs');
    expect(r.out).toContain('1. URL to enter: http://gw.internal/mcp');
    expect(r.out).toContain('no `auth` block');
  });
});
