import { z } from 'zod';
import { defineConfig } from '../../src/config/define-config.js';
import { defineTool } from '../../src/contract/define-tool.js';
import { agent, credentials, rateProbe } from '../helpers/fixture-tools.js';

/** One read tool that takes as long as it is told to: a call in flight when stdio stops. */
const slow = defineTool({
  name: 'get_slow_summary',
  description: 'Return a summary after the given delay; used to stop stdio while a call runs.',
  input: z.object({ ms: z.number().int().min(0).max(5_000).describe('How long to take, in ms') }),
  output: z.object({ waited_ms: z.number(), source_records: z.array(z.string()) }),
  scopes: ['billing:read'],
  tenant: 'caller',
  handler: async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { waited_ms: ms, source_records: ['rec_1'] };
  },
});

/** Also one that allows a call a minute: refusals stdio folds, and must count before it exits. */
export default defineConfig({
  tools: [slow, rateProbe],
  credentials,
  stdio: { principal: agent, client: 'stdio_test' },
});
