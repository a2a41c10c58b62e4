import { afterEach, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import type { Principal } from '../../src/auth/principal.js';
import { postMcp, startTestServer } from '../helpers/http-server.js';

/**
 * A failure the code did not expect, after the body was read, is still answered: the fast path
 * took `req.destroyed` (true once a body has been read) for a hang-up and answered nothing, so the
 * client waited for its own timeout (outside probe, 2026-12-07: a principal without `scopes`, from
 * a config TypeScript never checked, made `tools/list` throw). Config loading now refuses such a
 * principal; this keeps the answer for whatever else might throw there.
 */
const TOKEN = 'broken-principal-token-0123456789';
const broken = { actorId: 'usr_broken', tenant: 'acme', roles: [] } as unknown as Principal;

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('an unexpected failure on /mcp', () => {
  for (const fastPath of ['on', 'off']) {
    it(`is answered 500 at once, not left waiting (fast path ${fastPath})`, async () => {
      const server = await startTestServer(
        {
          tools: walkthroughTools,
          credentials: walkthroughCredentials,
          server: { tokens: [{ token: TOKEN, principal: broken, client: 'claude_code' }] },
        },
        { TOOLGATE_FAST_PATH: fastPath },
      );
      stop = server.stop;
      const response = await postMcp(
        server.url,
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { token: TOKEN, headers: { 'mcp-protocol-version': '2025-11-25' }, signal: AbortSignal.timeout(5_000) },
      );
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: 'internal' });
    });
  }
});
