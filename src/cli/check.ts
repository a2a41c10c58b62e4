import { formatReport, runCheck } from '../check/run-check.js';
import { loadConfig, resolveSettings } from '../config/load-config.js';
import { parseCommand, type CliIo } from './args.js';

const USAGE = `Usage: toolgate check [--config FILE] [--json]

Holds every tool against the brief's eight safety gates and prints a tool × gate table, each
client's definition size and naming warnings. Exit 1 when any gate fails (put it in CI).

Options:
  --config FILE   toolgate.config.{ts,js,mjs} (default: TOOLGATE_CONFIG or ./toolgate.config.ts)
  --json          The report as JSON, for scripts
  -h, --help      This help`;

/** `toolgate check [--config FILE] [--json]`: the eight gates; exit 1 on any failure (for CI). */
export async function runCheckCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGE,
    options: { config: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const { config, path } = await loadConfig(values.config, process.cwd(), io.env);
  const report = runCheck(config, resolveSettings(config, io.env).database);
  io.stdout.write(
    values.json ? `${JSON.stringify(report, null, 2)}\n` : `toolgate check — ${path}\n\n${formatReport(report)}\n`,
  );
  return report.ok ? 0 : 1;
}
