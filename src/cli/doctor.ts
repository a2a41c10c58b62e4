import { runDoctor } from '../doctor/run-doctor.js';
import { badUrl, parseCommand, usageError, type CliIo } from './args.js';

const USAGE = `Usage: toolgate doctor --url https://gateway.example.com [--token-env VAR] [--json]

Checks a running gateway as a client would: reachable, TLS, the 401 challenge, the token, the
tool list, result budgets, health and readiness. Exit 1 when a check fails.

Options:
  --url URL         The gateway's base URL (the one clients use)
  --token-env VAR   Environment variable holding a model-client token (default TOOLGATE_TOKEN)
  --json            The checks as JSON, for scripts
  -h, --help        This help`;

/** `toolgate doctor --url URL [--token-env VAR]`: exit 1 if any check fails. */
export async function runDoctorCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGE,
    options: { url: { type: 'string' }, 'token-env': { type: 'string' }, json: { type: 'boolean' } },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.url) return usageError(io, USAGE, '--url is required.');
  const urlProblem = badUrl(values.url);
  if (urlProblem) return usageError(io, USAGE, urlProblem);
  const tokenEnv = values['token-env'] ?? 'TOOLGATE_TOKEN';
  // Each request may wait its full timeout on a gateway that accepts and never answers: say so first.
  io.stderr.write(`checking ${values.url} (each request waits up to 5 s)…\n`);
  const checks = await runDoctor(values.url, io.env[tokenEnv]);
  const icon = { ok: '✓', warn: '!', fail: '✗' } as const;
  io.stdout.write(
    values.json
      ? `${JSON.stringify(checks, null, 2)}\n`
      : `${checks.map((c) => `${icon[c.status]} ${c.name.padEnd(15)} ${c.detail}`).join('\n')}\n`,
  );
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
