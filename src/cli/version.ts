import { readFileSync } from 'node:fs';
import { parseCommand, type CliIo } from './args.js';

/** The package's version, read from its package.json (two levels up in a clone, three in dist/). */
export function version(): string {
  const up = import.meta.url.endsWith('.js') ? '../../../package.json' : '../../package.json';
  return (JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { version: string }).version;
}

const USAGE = `Usage: toolgate version

Prints the installed version (the same as toolgate --version).`;

/** `toolgate version`: the version, as `--version` prints it. */
export async function runVersionCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, { usage: USAGE, options: {} });
  if (typeof parsed === 'number') return parsed;
  io.stdout.write(`${version()}\n`);
  return 0;
}
