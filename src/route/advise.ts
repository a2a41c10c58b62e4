/**
 * The brief's route advice (R1): who owns execution decides the route; reuse plus ownership is
 * the threshold for MCP; don't build MCP just because it exists.
 */
export interface RouteAnswers {
  /**
   * Who owns prompt, state, execution and audit: your app, a platform team, a developer, a person
   * in Claude, or a hosted agent runtime.
   */
  readonly owner: 'app' | 'platform' | 'developer' | 'person' | 'hosted';
  /** How many Claude clients need the same toolset. */
  readonly clients: number;
  readonly localDeveloperWorkflow: boolean;
  readonly humanClaudeWorkflow: boolean;
  readonly hostedLongRunning: boolean;
}

export interface RouteAdvice {
  readonly route:
    'direct_tools' | 'remote_mcp_api_connector' | 'claude_code_mcp' | 'custom_connector' | 'managed_agents';
  readonly title: string;
  readonly reasons: readonly string[];
  readonly nextStep: string;
  readonly stopRule: string;
  readonly connect: string | null;
}

const STOP_RULE =
  'Stop and prove one route end to end, read-only first: model request → tool ' +
  'selection → auth check → internal API call → compact result → audit log → ' +
  'human-visible answer. Add allowlists, output caps, approvals and write previews ' +
  'after that; only then decide whether the contract deserves another surface.';

export function adviseRoute(a: RouteAnswers): RouteAdvice {
  if (a.hostedLongRunning || a.owner === 'hosted') {
    return {
      route: 'managed_agents',
      title: 'Compare with Claude Managed Agents first',
      reasons: [
        'The hard problem is a hosted long-running runtime, not the tool contract.',
        'Building your own loop means owning state, retries and sandboxing.',
      ],
      nextStep:
        'Compare with Claude Managed Agents before building your own loop; keep Toolgate ' +
        'as the tool boundary either way.',
      stopRule: STOP_RULE,
      connect: null,
    };
  }
  if (a.humanClaudeWorkflow || a.owner === 'person') {
    return {
      route: 'custom_connector',
      title: 'Remote MCP server as a Claude.ai / Desktop custom connector',
      reasons: [
        "People use the tools inside Claude, so the product surface, consent and admin controls are Claude's.",
        "Anthropic's cloud must reach the server: plan the network, OAuth and approvals, not local stdio.",
      ],
      nextStep: 'Serve read-only tools with `toolgate serve` behind HTTPS, then add the connector with an admin.',
      stopRule: STOP_RULE,
      connect: 'toolgate connect desktop --url https://…',
    };
  }
  if (a.localDeveloperWorkflow || a.owner === 'developer') {
    return {
      route: 'claude_code_mcp',
      title: 'Claude Code MCP (local stdio, or HTTP for a shared dev server)',
      reasons: [
        'The work is local developer automation.',
        'Claude Code settings do not define a production app surface; keep it in this branch.',
      ],
      nextStep:
        'Add `toolgate stdio` with a deliberate scope (project vs user), never commit secrets, and watch context load.',
      stopRule: STOP_RULE,
      connect: 'toolgate connect claude-code --url http://127.0.0.1:8787',
    };
  }
  if (a.clients >= 2 || a.owner === 'platform') {
    return {
      route: 'remote_mcp_api_connector',
      title: 'Custom remote MCP server, connected through the API MCP connector',
      reasons: [
        `${Math.max(a.clients, 2)} Claude clients share one toolset: a reusable contract pays for the server and network boundary.`,
        'One team owns the contract; each client gets an allowlisted toolset.',
      ],
      nextStep:
        'Design the MCP server with read-only tools first, then connect through the API ' +
        'MCP connector or an approved surface.',
      stopRule: STOP_RULE,
      connect: 'toolgate connect messages-api --url https://… --client <client>',
    };
  }
  return {
    route: 'direct_tools',
    title: 'Direct Claude API tools in your app',
    reasons: [
      'Your app already owns prompt, session, state, permission checks, tool execution and audit.',
      'One app needs a few internal reads: MCP would add a server and a network boundary without reuse.',
    ],
    nextStep: 'Implement direct Claude API tools with compact tool_result and audit log (runToolLoop).',
    stopRule: STOP_RULE,
    connect: null,
  };
}
