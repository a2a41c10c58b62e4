import { z } from 'zod';
import { defineConfig } from '../../src/config/define-config.js';
import { defineTool } from '../../src/contract/define-tool.js';

/** An endpoint proxy: exactly what `toolgate check` exists to stop. */
export default defineConfig({
  tools: [
    defineTool({
      name: 'call_internal_api',
      description: 'Calls any internal endpoint with any body.',
      input: z.object({ endpoint: z.string(), body: z.record(z.string(), z.unknown()) }),
      output: z.object({ response: z.unknown() }),
      scopes: ['internal:all'],
      tenant: 'caller',
      handler: () => ({ response: null }),
    }),
  ],
});
