import { afterEach, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { UNTRUSTED_CONTENT_NOTE } from '../../src/guard/wrap.js';
import { postMcp, startTestServer } from '../helpers/http-server.js';

/**
 * MCP's `initialize` tells the model that `<untrusted_content>` is data, on both paths (the direct
 * route says the same in the system prompt: runToolLoop). Nothing checked it was sent at all.
 */
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('the MCP instructions', () => {
  for (const fastPath of ['on', 'off']) {
    it(`say that untrusted content is data (fast path ${fastPath})`, async () => {
      const server = await startTestServer(
        { tools: walkthroughTools, credentials: walkthroughCredentials },
        { TOOLGATE_FAST_PATH: fastPath },
      );
      stop = server.stop;
      const response = await postMcp(server.url, {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      });
      const text = await response.text();
      const json = JSON.parse(
        text.startsWith('{') ? text : text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1),
      ) as {
        result: { instructions: string };
      };
      expect(json.result.instructions).toContain(UNTRUSTED_CONTENT_NOTE);
    });
  }
});
