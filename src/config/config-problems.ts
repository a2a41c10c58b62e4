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

  const toolNames = new Set(config.tools.map((tool) => tool?.name));
  for (const [client, names] of Object.entries(config.toolsets ?? {})) {
    if (!Array.isArray(names)) problems.push(`toolsets.${client} must be a list of tool names`);
    else
      for (const name of names)
        if (!toolNames.has(name)) problems.push(`toolsets.${client} names unknown tool "${String(name)}"`);
  }

  (config.server?.tokens ?? []).forEach((entry, i) => {
    const at = `server.tokens[${i}]`;
    if (typeof entry?.token !== 'string' || entry.token === '')
      problems.push(
        `${at}.token is not set${entry?.principal?.actorId ? ` (for ${String(entry.principal.actorId)})` : ''}: ` +
          'if it reads an environment variable (process.env.…), set that variable',
      );
    if (typeof entry?.client !== 'string' || entry.client === '') problems.push(`${at}.client must be a client name`);
    // A model client's token for a client no toolset names sees no tools and every call is
    // "unknown tool" (outside probe). Approver tokens are for /api and the console: no toolset.
    else if (
      config.toolsets &&
      entry.canApprove !== true &&
      !Object.hasOwn(config.toolsets, entry.client) &&
      !Object.hasOwn(config.toolsets, '*')
    )
      problems.push(
        `${at}.client "${entry.client}" has no toolset (toolsets names ${Object.keys(config.toolsets).join(', ') || 'none'}): its calls would see no tools`,
      );
    problems.push(...principalProblems(entry?.principal, `${at}.principal`));
  });
  if (config.server?.anonymous)
    problems.push(...principalProblems(config.server.anonymous.principal, 'server.anonymous.principal'));
  if (config.stdio) problems.push(...principalProblems(config.stdio.principal, 'stdio.principal'));
  (config.approvers ?? []).forEach((principal, i) => problems.push(...principalProblems(principal, `approvers[${i}]`)));
  return problems;
}

/** A principal's required fields and their types (auth/principal.ts). */
function principalProblems(principal: unknown, at: string): string[] {
  if (principal === null || typeof principal !== 'object') return [`${at} must be { actorId, tenant, roles, scopes }`];
  const p = principal as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['actorId', 'tenant'])
    if (typeof p[key] !== 'string' || p[key] === '') problems.push(`${at}.${key} must be a non-empty string`);
  for (const key of ['roles', 'scopes'])
    if (!Array.isArray(p[key]) || !(p[key] as unknown[]).every((v) => typeof v === 'string'))
      problems.push(`${at}.${key} must be a list of strings (use [] for none)`);
  return problems;
}
