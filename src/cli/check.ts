import { parseArgs } from 'node:util';
import { formatReport, runCheck } from '../check/run-check.js';
import { loadConfig, resolveSettings } from '../config/load-config.js';
import type { CliIo } from './audit.js';

/** `toolgate check [--config FILE] [--json]`: the eight gates; exit 1 on any failure (for CI). */
export async function runCheckCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, json: { type: 'boolean' } } });
  const { config, path } = await loadConfig(values.config, process.cwd(), io.env);
  const report = runCheck(config, resolveSettings(config, io.env).database);
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `toolgate check — ${path}\n\n${formatReport(report)}\n`);
  return report.ok ? 0 : 1;
}
