import { afterAll, beforeAll, expect, it } from 'vitest';
import { runConnectCommand } from '../../src/cli/connect.js';
import { runCli } from '../helpers/capture-io.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startTestServer } from '../helpers/http-server.js';
import { refundAction, refundCredentials, requester } from '../helpers/refund-action.js';

const CONFIG = 'examples/walkthrough/toolgate.config.ts';

it('connect messages-api warns that the connector needs an https URL reachable from Anthropic', async () => {
  const plain = await runCli(runConnectCommand, ['messages-api', '--url', 'http://127.0.0.1:8787', '--config', CONFIG]);
  expect(plain.code).toBe(0);
  expect(plain.err).toMatch(/accepts only https:\/\/ URLs/);
  const tls = await runCli(runConnectCommand, [
    'messages-api',
    '--url',
    'https://toolgate.example.com',
    '--config',
    CONFIG,
  ]);
  expect(tls.err).toBe('');
});

it('connect desktop warns about an http URL too: Desktop custom connectors connect from the cloud', async () => {
  // Before: claude-ai and messages-api warned, desktop printed the http URL as the one to enter.
  const plain = await runCli(runConnectCommand, ['desktop', '--url', 'http://127.0.0.1:8787', '--config', CONFIG]);
  expect(plain.code).toBe(0);
  expect(plain.err).toMatch(/Claude.ai \/ Desktop custom connector accepts only https:\/\/ URLs/);
  const tls = await runCli(runConnectCommand, ['desktop', '--url', 'https://toolgate.example.com', '--config', CONFIG]);
  expect(tls.err).toBe('');
});

let api: FakeRefundApi;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  api = await startFakeRefundApi();
  const config = { tools: [refundAction(api.url)], credentials: refundCredentials };
  server = await startTestServer(config, { TOOLGATE_PUBLIC_URL: 'https://toolgate.example.com' });
});
afterAll(async () => {
  await server.stop();
  await api.close();
});

it('with a public URL set (the demo sets its own), drafts carry a working approval link', async () => {
  const args = { invoice_id: 'inv_789', amount_usd: 5, reason: 'double charge' };
  const drafted = await server.gateway.call({
    tool: 'create_refund_draft',
    args,
    principal: requester,
    client: 'c',
    surface: 'direct',
  });
  expect(drafted.ok && drafted.structured).toMatchObject({
    approval_url: expect.stringMatching(/^https:\/\/toolgate\.example\.com\/console\/drafts\/drf_/),
  });
});

it('the demo banner gives browsers and remote clients the public URL, local checks the listening one', async () => {
  const { demoBanner } = await import('../../src/cli/demo.js');
  const idp = {
    issuer: 'http://127.0.0.1:8789',
    users: [
      { username: 'ada', password: 'pw-ada' },
      { username: 'grace', password: 'pw-grace' },
    ],
  } as unknown as Parameters<typeof demoBanner>[0]['idp'];
  const banner = demoBanner({
    acme: { url: 'http://127.0.0.1:8788', database: '/srv/acme.db' },
    serverUrl: 'http://127.0.0.1:8787',
    publicUrl: 'https://console.toolgate.test:8443',
    idp,
    env: {},
    stdioEnv: '',
    claudeCodeHttp: 'claude mcp add …',
  });
  // Behind a TLS proxy, a sign-in started at the listening address could not finish: the OIDC
  // callback and the tokens' audience are the public URL.
  expect(banner).toContain('open https://console.toolgate.test:8443/console, choose "Sign in with Acme IdP"');
  expect(banner).toContain('Gateway (MCP)       https://console.toolgate.test:8443/mcp');
  expect(banner).toContain('/mcp trusts its tokens for https://console.toolgate.test:8443/mcp');
  expect(banner).toContain('Health / metrics    http://127.0.0.1:8787/healthz');
  expect(banner).toContain('its own SQLite: /srv/acme.db');
  expect(banner).not.toMatch(/127\.0\.0\.1:8787\/(console|mcp|api)/);
});
