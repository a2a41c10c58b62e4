import { parseArgs } from 'node:util';
import { runDoctor } from '../doctor/run-doctor.js';
import type { CliIo } from './audit.js';

/** `toolgate doctor --url URL [--token-env VAR]`: exit 1 if any check fails. */
export async function runDoctorCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { url: { type: 'string' }, 'token-env': { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.url) {
    io.stderr.write('Usage: toolgate doctor --url https://gateway.example.com [--token-env TOOLGATE_TOKEN]\n');
    return 2;
  }
  const tokenEnv = values['token-env'] ?? 'TOOLGATE_TOKEN';
  const checks = await runDoctor(values.url, io.env[tokenEnv]);
  const icon = { ok: '✓', warn: '!', fail: '✗' } as const;
  io.stdout.write(values.json ? `${JSON.stringify(checks, null, 2)}\n` : `${checks.map((c) => `${icon[c.status]} ${c.name.padEnd(15)} ${c.detail}`).join('\n')}\n`);
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
