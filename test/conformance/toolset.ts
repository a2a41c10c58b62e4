import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { upstreamUnavailable } from '../../src/errors/toolgate-error.js';

/**
 * The fixture tools the official MCP conformance suite calls by name, defined the ordinary
 * Toolgate way so the suite exercises the real pipeline and the real MCP surface.
 */
const noInput = z.object({});
const common = { scopes: ['conformance:run'], tenant: 'caller' as const };

export const conformanceTools = [
  defineTool({
    ...common,
    name: 'test_simple_text',
    description: 'Returns a short text result (conformance: tools-call-simple-text).',
    input: noInput,
    output: z.object({ message: z.string() }),
    handler: () => ({ message: 'This is a simple text response for testing.' }),
  }),
  defineTool({
    ...common,
    name: 'test_error_handling',
    description: 'Always fails with a typed error (conformance: tools-call-error).',
    input: noInput,
    output: z.object({ never: z.string() }),
    handler: () => {
      throw upstreamUnavailable('The conformance upstream');
    },
  }),
  defineTool({
    ...common,
    name: 'json_schema_2020_12_tool',
    description: 'Takes an input schema with $defs and additionalProperties (conformance: json-schema-2020-12).',
    input: z.object({
      name: z.string().describe('A name'),
      address: z.object({ street: z.string(), city: z.string() }).meta({ id: 'address' }).optional(),
    }),
    output: z.object({ received: z.string() }),
    handler: ({ name }) => ({ received: name }),
  }),
];
