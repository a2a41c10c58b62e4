import type Anthropic from '@anthropic-ai/sdk';

/**
 * Ready-to-paste connection config for each Claude surface (R6, R8), generated from the actual
 * toolset and server URL. Secrets are always `${VAR}` placeholders, never literal values.
 */
export interface ConnectInput {
  /** Base URL of the running gateway, e.g. https://toolgate.example.com */
  readonly url: string;
  /** The client whose toolset is being connected. */
  readonly client: string;
  /** Exactly the tools that client may call. */
  readonly tools: readonly string[];
  /** Environment variable holding the bearer token. */
  readonly tokenEnv: string;
  /** Config file for the local stdio server. */
  readonly configPath: string;
  readonly serverName?: string;
  /**
   * Claude Code scope for the HTTP server: local (you, this project), project (.mcp.json, shared),
   * user (you, everywhere).
   */
  readonly scope?: 'local' | 'project' | 'user';
}

export const MCP_CONNECTOR_BETA = 'mcp-client-2025-11-20';

const mcpUrl = (url: string) => `${url.replace(/\/+$/, '')}/mcp`;

export function claudeCodeConfig(input: ConnectInput) {
  const name = input.serverName ?? 'toolgate';
  return {
    // Single quotes: the shell leaves `${TOKEN}` alone, so Claude Code stores the placeholder and
    // expands it from its environment when it connects. Double quotes stored the token itself
    // (in .mcp.json at project scope, which is committed).
    httpCommand: `claude mcp add --transport http --scope ${input.scope ?? 'local'} ${name} ${mcpUrl(input.url)} --header 'Authorization: Bearer \${${input.tokenEnv}}'`,
    stdioCommand: `claude mcp add --scope user ${name}-local -- npx toolgate stdio --config ${input.configPath}`,
    mcpJson: {
      mcpServers: {
        [name]: { type: 'http', url: mcpUrl(input.url), headers: { Authorization: `Bearer \${${input.tokenEnv}}` } },
      },
    },
  };
}

/** A Messages API request through the MCP connector, limited to exactly this client's tools. */
export function messagesApiRequest(
  input: ConnectInput,
  model = 'claude-sonnet-5-5',
): { headers: Record<string, string>; body: Anthropic.Beta.Messages.MessageCreateParamsNonStreaming } {
  const name = input.serverName ?? 'toolgate';
  return {
    headers: {
      'anthropic-beta': MCP_CONNECTOR_BETA,
      'x-api-key': '${ANTHROPIC_API_KEY}',
      'anthropic-version': '2023-06-01',
    },
    body: {
      model,
      max_tokens: 1024,
      // A placeholder for the app's own question: it was the Acme demo's billing question, printed
      // for every toolset (an orders scaffold included).
      messages: [
        { role: 'user', content: `A question for Claude that these tools answer: ${input.tools.join(', ')}.` },
      ],
      mcp_servers: [{ type: 'url', name, url: mcpUrl(input.url), authorization_token: `\${${input.tokenEnv}}` }],
      tools: [
        {
          type: 'mcp_toolset',
          mcp_server_name: name,
          // Deny by default; enable exactly the client's toolset (R14).
          default_config: { enabled: false },
          configs: Object.fromEntries(input.tools.map((tool) => [tool, { enabled: true }])),
        },
      ],
    },
  };
}

export const CONNECTOR_NOTES = [
  `Send the beta header anthropic-beta: ${MCP_CONNECTOR_BETA} (reverify the header name before reuse).`,
  "The server must be reachable over HTTPS from Anthropic's network; a private-network URL will not work.",
  'The MCP connector is not covered by Zero Data Retention: review what the tools return.',
  'The connector makes tool calls only (no prompts or resources).',
];

export const DESKTOP_NOTES = [
  'Claude.ai / Desktop custom connectors are added by an admin (Settings → ' +
    'Connectors → Add custom connector) with the remote MCP URL above.',
  'The URL must be reachable from Anthropic\'s cloud over HTTPS; "it works on our private network" is not enough.',
  'Custom connectors authenticate users with OAuth; static bearer tokens are for the API connector and Claude Code.',
  'Review user consent, admin controls and which tools are exposed; write tools stay behind approvals.',
];
