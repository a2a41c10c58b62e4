import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { adviseRoute, type RouteAnswers } from '../route/advise.js';
import type { CliIo } from './audit.js';

const OWNERS = ['app', 'platform', 'developer', 'person', 'hosted'] as const;

/** `toolgate route`: the brief's questions, by flags or interactively, and a recommended route. */
export async function runRouteCommand(argv: string[], io: CliIo, stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { owner: { type: 'string' }, clients: { type: 'string' }, local: { type: 'boolean' }, human: { type: 'boolean' }, 'long-running': { type: 'boolean' }, json: { type: 'boolean' } } });
  let owner = values.owner;
  let clients = values.clients;
  if ((owner === undefined || clients === undefined) && stdin.isTTY) {
    const rl = createInterface({ input: stdin, output: io.stderr });
    owner ??= await rl.question(`Who owns prompt, state, execution and audit? (${OWNERS.join('/')}) `);
    clients ??= await rl.question('How many Claude clients need this toolset? ');
    rl.close();
  }
  if (!OWNERS.includes(owner as (typeof OWNERS)[number])) {
    io.stderr.write(`--owner must be one of ${OWNERS.join(', ')} (who owns prompt, state, execution and audit).\n`);
    return 2;
  }
  const count = Number(clients ?? 1);
  if (!Number.isInteger(count) || count < 1) {
    io.stderr.write('--clients must be a whole number ≥ 1.\n');
    return 2;
  }
  const answers: RouteAnswers = { owner: owner as RouteAnswers['owner'], clients: count, localDeveloperWorkflow: values.local === true, humanClaudeWorkflow: values.human === true, hostedLongRunning: values['long-running'] === true };
  const advice = adviseRoute(answers);
  if (values.json) io.stdout.write(`${JSON.stringify(advice, null, 2)}\n`);
  else io.stdout.write([`Recommended: ${advice.title}`, '', 'Why:', ...advice.reasons.map((r) => `  - ${r}`), '', `Next: ${advice.nextStep}`, ...(advice.connect ? [`Config: ${advice.connect}`] : []), '', `Stop rule: ${advice.stopRule}`, ''].join('\n'));
  return 0;
}
