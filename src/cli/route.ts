import { createInterface } from 'node:readline/promises';
import { adviseRoute, type RouteAnswers } from '../route/advise.js';
import { parseCommand, positiveInteger, usageError, type CliIo } from './args.js';

const USAGE = `Usage: toolgate route [--owner app|platform|developer|person|hosted] [--clients N]
                      [--local] [--human] [--long-running] [--json]

Asks the brief's questions (interactively when flags are missing and stdin is a terminal) and
recommends a route: direct tool use, the API MCP connector, a remote MCP server, Claude Code MCP,
a custom connector or managed agents — with reasons and the stop rule.

Options:
  --owner WHO       Who owns prompt, state, execution and audit
  --clients N       How many Claude clients share the toolset
  --local           Work on a developer's machine (Claude Code)
  --human           A person works inside Claude (Claude.ai / Desktop)
  --long-running    A hosted, long-running agent runtime
  --json            The advice as JSON
  -h, --help        This help`;

const OWNERS = ['app', 'platform', 'developer', 'person', 'hosted'] as const;

/** `toolgate route`: the brief's questions, by flags or interactively, and a recommended route. */
export async function runRouteCommand(
  argv: string[],
  io: CliIo,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGE,
    options: {
      owner: { type: 'string' },
      clients: { type: 'string' },
      local: { type: 'boolean' },
      human: { type: 'boolean' },
      'long-running': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  let owner = values.owner;
  let clients = values.clients;
  if ((owner === undefined || clients === undefined) && stdin.isTTY) {
    const rl = createInterface({ input: stdin, output: io.stderr });
    owner ??= await rl.question(`Who owns prompt, state, execution and audit? (${OWNERS.join('/')}) `);
    clients ??= await rl.question('How many Claude clients need this toolset? ');
    rl.close();
  }
  // Without a terminal nothing was asked: say so, rather than call the missing answer wrong.
  if (owner === undefined)
    return usageError(io, USAGE, `Pass --owner (${OWNERS.join('|')}): stdin is not a terminal, so route cannot ask.`);
  if (!OWNERS.includes(owner as (typeof OWNERS)[number]))
    return usageError(
      io,
      USAGE,
      `--owner must be one of ${OWNERS.join(', ')} (who owns prompt, state, execution and audit).`,
    );
  const count = clients === undefined ? 1 : positiveInteger(clients);
  if (count === null) return usageError(io, USAGE, '--clients must be a whole number ≥ 1.');
  const answers: RouteAnswers = {
    owner: owner as RouteAnswers['owner'],
    clients: count,
    localDeveloperWorkflow: values.local === true,
    humanClaudeWorkflow: values.human === true,
    hostedLongRunning: values['long-running'] === true,
  };
  const advice = adviseRoute(answers);
  if (values.json) io.stdout.write(`${JSON.stringify(advice, null, 2)}\n`);
  else
    io.stdout.write(
      [
        `Recommended: ${advice.title}`,
        '',
        'Why:',
        ...advice.reasons.map((r) => `  - ${r}`),
        '',
        `Next: ${advice.nextStep}`,
        ...(advice.connect ? [`Config: ${advice.connect}`] : []),
        '',
        `Stop rule: ${advice.stopRule}`,
        '',
      ].join('\n'),
    );
  return 0;
}
