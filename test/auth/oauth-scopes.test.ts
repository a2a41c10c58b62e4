import { afterEach, describe, expect, it } from 'vitest';
import type { ToolgateConfig } from '../../src/config/define-config.js';
import { claudeAiSteps } from '../../src/connect/claude-ai.js';
import { adminOnly, credentials, getCustomerSummary, getTicket } from '../helpers/fixture-tools.js';
import { startTestServer } from '../helpers/http-server.js';

/**
 * MCP authorization, "Scope Selection Strategy": scopes_supported is "the minimal set of scopes
 * necessary for basic functionality", and the 401 challenge's scope guides the first request.
 * Outside probe: the scopes of every tool were offered, so a connector whose toolset was one read
 * tool asked for admin:write too. By default they are the scopes of the OAuth toolset's tools.
 */
const config = (toolsets?: ToolgateConfig['toolsets']): ToolgateConfig => ({
  tools: [getCustomerSummary, getTicket, adminOnly],
  credentials,
  ...(toolsets ? { toolsets } : {}),
  auth: { resource: 'http://127.0.0.1:1/mcp', jwt: { issuer: 'http://127.0.0.1:2' }, defaultTenant: 'acme' },
});

let stop: (() => Promise<void>) | undefined;
afterEach(async () => stop?.());

async function offered(toolsets?: ToolgateConfig['toolsets']) {
  const server = await startTestServer(config(toolsets));
  stop = server.stop;
  const metadata = (await (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).json()) as {
    scopes_supported: string[];
  };
  const challenge = (await fetch(`${server.url}/mcp`, { method: 'POST' })).headers.get('www-authenticate');
  return { scopes: metadata.scopes_supported, challenge };
}

describe('the scopes a client is told to ask for', () => {
  it("are those of the OAuth toolset's tools, in the metadata and the 401 challenge", async () => {
    const { scopes, challenge } = await offered({
      oauth: ['get_customer_summary'],
      claude_code: ['delete_customer_record'],
    });
    expect(scopes).toEqual(['billing:read']);
    expect(challenge).toContain('scope="billing:read"');
    expect(challenge).not.toContain('admin:write');
  });

  it("follow the '*' toolset when the OAuth client has none, and every tool without toolsets", async () => {
    expect((await offered({ '*': ['get_support_ticket'] })).scopes).toEqual(['tickets:read']);
    await stop?.();
    expect((await offered()).scopes).toEqual(['admin:write', 'billing:read', 'tickets:read']);
  });

  it('are what `connect claude-ai` says Claude asks for', async () => {
    const lines = claudeAiSteps({
      url: 'https://toolgate.example.com',
      config: config({ oauth: ['get_customer_summary'] }),
      idp: null,
    });
    expect(lines.join('\n')).toMatch(/scopes Claude asks for: billing:read\n/);
  });
});
