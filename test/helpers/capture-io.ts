import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/args.js';

/** Runs a CLI command function in-process with captured stdout/stderr and a given environment. */
export async function runCli(
  command: (argv: string[], io: CliIo) => Promise<number>,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await command([...args], { stdout, stderr, env });
  return { code, out, err };
}
