import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { diffContracts } from '../contract-diff/diff.js';
import { diffReport, formatChanges } from '../contract-diff/format.js';
import { parseSnapshot } from '../contract-diff/read-snapshot.js';
import { snapshotOf, snapshotText } from '../contract-diff/snapshot.js';
import { parseCommand, usageError, wantsHelp, type CliIo } from './args.js';

const DEFAULT_FILE = 'toolgate.contract.json';
const CONFIG = '--config FILE   toolgate.config.{ts,js,mjs} (default: TOOLGATE_CONFIG or ./toolgate.config.ts)';
const USAGES = {
  snapshot: `Usage: toolgate contract snapshot [--out ${DEFAULT_FILE}] [--config FILE]

Writes the served contract of every toolset (tools, input and output schemas, MCP hints,
scopes, roles, kind, risk, resolved limits, rollback disclosure, and the guards: tenant rule,
untrusted and PII fields, credentials, egress hosts, approval policy) as sorted, byte-stable
JSON meant to be committed and reviewed.
  --out FILE      Where to write it (default ./${DEFAULT_FILE}; - for stdout)
  ${CONFIG}
  -h, --help      This help`,
  diff: `Usage: toolgate contract diff [--against ${DEFAULT_FILE}] [--json] [--config FILE]

Compares the config's contract with a committed snapshot and classifies every change as
breaking (a client may fail, or a guard was loosened) or safe. Exit 0 when nothing
breaks, 1 on any breaking change, 2 on a usage error.
  --against FILE  The snapshot to compare with (default ./${DEFAULT_FILE})
  --json          {breaking: [...], safe: [...]}, each {tool, path, kind, reason}
  ${CONFIG}
  -h, --help      This help`,
} as const;
const USAGE = `Usage: toolgate contract snapshot|diff [options]

${Object.values(USAGES)
  .map((u) => u.split('\n')[0]!.replace('Usage: ', '  '))
  .join('\n')}

Run \`toolgate contract <command> --help\` for the options of each.`;

/** `toolgate contract snapshot|diff`. Returns the exit code: 0 ok, 1 breaking change, 2 usage error. */
export async function runContractCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'snapshot' && sub !== 'diff') {
    if (sub !== undefined && wantsHelp([sub])) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (sub === undefined) return usageError(io, USAGE, 'Name a command: snapshot or diff.');
    const what = sub.startsWith('-') ? `Unknown option "${sub}"` : `Unknown contract command "${sub}"`;
    return usageError(io, USAGE, `${what}.`);
  }
  return sub === 'snapshot' ? snapshot(rest, io) : diff(rest, io);
}

async function snapshot(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGES.snapshot,
    options: { out: { type: 'string' }, config: { type: 'string' } },
  });
  if (typeof parsed === 'number') return parsed;
  const { config, path } = await loadConfig(parsed.values.config, process.cwd(), io.env);
  const contract = snapshotOf(config);
  const out = parsed.values.out ?? DEFAULT_FILE;
  // `-` is stdout, the snapshot alone (it made a file named "-"; outside probe).
  if (out === '-') {
    io.stdout.write(snapshotText(contract));
    return 0;
  }
  try {
    await writeFile(resolve(process.cwd(), out), snapshotText(contract));
  } catch (error) {
    // A missing directory or a read-only place is a bad --out, named as backup and audit export
    // name theirs (exit 2); it was a raw ENOENT with exit 1.
    const { code, message } = error as NodeJS.ErrnoException;
    const why = code === 'ENOENT' ? 'its directory does not exist' : code === 'EISDIR' ? 'it is a directory' : message;
    return usageError(io, USAGES.snapshot, `Cannot write the snapshot to ${out}: ${why}.`);
  }
  const tools = Object.keys(contract.tools).length;
  // A status line, on stderr: `--out /dev/stdout` got it after the JSON (outside probe).
  io.stderr.write(`Wrote the contract of ${tools} tools in ${path} to ${out}; commit it.\n`);
  return 0;
}

async function diff(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGES.diff,
    options: { against: { type: 'string' }, json: { type: 'boolean' }, config: { type: 'string' } },
  });
  if (typeof parsed === 'number') return parsed;
  const against = parsed.values.against ?? DEFAULT_FILE;
  // The snapshot is read before the config is loaded: a missing file is the common first-run mistake.
  const committed = await readSnapshot(against);
  if ('problem' in committed) {
    const how = `Create it with \`toolgate contract snapshot${against === DEFAULT_FILE ? '' : ` --out ${against}`}\` and commit it.`;
    return usageError(io, USAGES.diff, `Snapshot ${against} ${committed.problem}. ${how}`);
  }
  const { config } = await loadConfig(parsed.values.config, process.cwd(), io.env);
  const changes = diffContracts(committed.snapshot, snapshotOf(config));
  io.stdout.write(
    parsed.values.json ? `${JSON.stringify(diffReport(changes), null, 2)}\n` : `${formatChanges(changes, against)}\n`,
  );
  return changes.some((c) => c.severity === 'breaking') ? 1 : 0;
}

async function readSnapshot(file: string): Promise<ReturnType<typeof parseSnapshot>> {
  let text: string;
  try {
    text = await readFile(resolve(process.cwd(), file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})` };
  }
  return parseSnapshot(text);
}
