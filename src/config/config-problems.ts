import { principalProblems } from '../auth/principal.js';
import { isRecord } from '../util/is-record.js';
import type { ToolgateConfig } from './define-config.js';

/** The top-level keys a config may have (define-config.ts); a typo of one is refused, not ignored. */
const KNOWN_KEYS = [
  'tools',
  'toolsets',
  'credentials',
  'egress',
  'readOnly',
  'defaults',
  'database',
  'publicUrl',
  'server',
  'auth',
  'console',
  'approvers',
  'stdio',
] as const;

/**
 * What is wrong with a loaded config that TypeScript would have caught, for configs it never
 * checks (`.mjs`, or `.ts` loaded without a type check): each a sentence naming the setting.
 * An outside probe following the README found each of these reaching a running server: an unset
 * token variable crashed `serve` with "Cannot read properties of undefined (reading 'length')";
 * a principal without `scopes` left `tools/list` unanswered; `readonly: true` (lower case) was
 * ignored and the write actions stayed on; a toolset naming a misspelt tool passed `check`.
 */
export function configProblems(config: ToolgateConfig): string[] {
  const problems: string[] = [];
  const raw = config as unknown as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if ((KNOWN_KEYS as readonly string[]).includes(key)) continue;
    const meant = KNOWN_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
    problems.push(`unknown setting "${key}"${meant ? ` (did you mean "${meant}"?)` : ''}`);
  }
  if (config.readOnly !== undefined && typeof config.readOnly !== 'boolean')
    problems.push(`readOnly must be true or false (got ${JSON.stringify(config.readOnly)})`);

  // A tool written as a plain object has no derived schemas: `check` stopped on "reading '$defs'"
  // (exit 1) and `serve` started with it (outside probe).
  const tools: readonly unknown[] = config.tools; // a list: loadConfig refuses anything else
  tools.forEach((tool, i) => {
    const made = isRecord(tool) && isRecord(tool.inputJsonSchema) && typeof tool.kind === 'string';
    const name = isRecord(tool) && typeof tool.name === 'string' ? ` ("${tool.name}")` : '';
    if (!made) problems.push(`tools[${i}]${name} was not made with defineTool or defineAction`);
  });
  // Two tools of one name: `check` listed both and passed, `serve` exited 1, and `stdio` hung with
  // its store open (outside probe). A config error for every command now.
  const seen = new Set<unknown>();
  tools.forEach((tool, i) => {
    const name = isRecord(tool) ? tool.name : undefined;
    if (typeof name !== 'string') return;
    if (seen.has(name)) problems.push(`tools[${i}]: two tools are named "${name}"; tool names must be unique`);
    seen.add(name);
  });
  const toolNames = new Set(tools.map((tool) => (isRecord(tool) ? tool.name : undefined)));
  for (const [client, names] of Object.entries(config.toolsets ?? {})) {
    if (!Array.isArray(names)) problems.push(`toolsets.${client} must be a list of tool names`);
    else
      for (const name of names)
        if (!toolNames.has(name)) problems.push(`toolsets.${client} names unknown tool "${String(name)}"`);
  }

  (config.server?.tokens ?? []).forEach((entry, i) => {
    const at = `server.tokens[${i}]`;
    // An unset token is refused where tokens are used (serve: static-tokens.ts), not here:
    // `check` and `contract diff` load the same config in CI, where the variable is unset (review).
    if (entry?.token !== undefined && typeof entry.token !== 'string')
      problems.push(`${at}.token must be a string (got ${typeof entry.token})`);
    // Approver tokens are for /api and the console: they need no toolset.
    if (entry?.canApprove !== true) problems.push(...clientProblems(config, entry?.client, `${at}.client`));
    problems.push(...principalProblems(entry?.principal, `${at}.principal`));
  });
  for (const [at, caller] of [
    ['server.anonymous', config.server?.anonymous],
    ['stdio', config.stdio],
  ] as const) {
    if (!caller) continue;
    problems.push(...clientProblems(config, caller.client, `${at}.client`));
    problems.push(...principalProblems(caller.principal, `${at}.principal`));
  }
  (config.approvers ?? []).forEach((principal, i) => problems.push(...principalProblems(principal, `approvers[${i}]`)));
  return problems;
}

/**
 * A model client named by a token, `stdio` or `server.anonymous`: one a toolset offers tools to.
 * Otherwise it sees no tools and every call is "unknown tool" (outside probe; the README's own
 * stdio example had that). OAuth callers' client is only warned about at start (start-server.ts):
 * which tokens an IdP issues is not in this file.
 */
function clientProblems(config: ToolgateConfig, client: unknown, at: string): string[] {
  if (typeof client !== 'string' || client === '') return [`${at} must be a client name`];
  const toolsets = config.toolsets;
  if (!toolsets || Object.hasOwn(toolsets, client) || Object.hasOwn(toolsets, '*')) return [];
  const named = Object.keys(toolsets).join(', ') || 'none';
  return [`${at} "${client}" has no toolset (toolsets names ${named}): its calls would see no tools`];
}
