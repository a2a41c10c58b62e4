import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '../../src/auth/principal.js';
import type { ToolgateConfig } from '../../src/config/define-config.js';
import { silentLogger } from '../../src/log/logger.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';

export const AGENT_TOKEN = 'test-agent-token-0123456789abcdef';
export const NARROW_TOKEN = 'test-narrow-token-0123456789abcdef';
export const agent: Principal = {
  actorId: 'usr_ada',
  tenant: 'acme',
  roles: ['support'],
  scopes: ['billing:read', 'tickets:read'],
};

/** A real `toolgate serve` on an ephemeral port with a temp SQLite store. */
export async function startTestServer(
  config: Omit<ToolgateConfig, 'server'> & { server?: ToolgateConfig['server'] },
  env: NodeJS.ProcessEnv = {},
): Promise<RunningServer & { dir: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-http-'));
  const server = await startServer(
    {
      ...config,
      server: {
        tokens: [
          { token: AGENT_TOKEN, principal: agent, client: 'claude_code' },
          {
            token: NARROW_TOKEN,
            principal: { ...agent, actorId: 'svc_bot', scopes: ['billing:read'] },
            client: 'api_connector',
          },
        ],
        ...config.server,
      },
    },
    { PORT: '0', TOOLGATE_DB: join(dir, 'toolgate.db'), ...env },
    silentLogger,
  );
  return Object.assign(server, {
    dir,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** POSTs one 2025-era `tools/call` to a server's /mcp as a plain client would (no SDK session). */
export function postToolCall(url: string, name: string, args: object = {}, token = AGENT_TOKEN): Promise<Response> {
  return postMcp(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }, { token });
}

/** POSTs one JSON-RPC message to a server's /mcp as a plain client would (no SDK session). */
export function postMcp(
  url: string,
  message: object,
  options: { token?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${options.token ?? AGENT_TOKEN}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...options.headers,
    },
    body: JSON.stringify(message),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
