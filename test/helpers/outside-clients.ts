import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The real outside clients (MCP conformance suite, MCP inspector in --cli mode) live in tools/outside-clients
 * with their own Node 22 from the `node` npm package. `.ci/run` installs them; elsewhere run
 * `npm run setup:outside-clients`. Tests that need them skip with a visible notice when absent.
 */
const root = fileURLToPath(new URL('../../tools/outside-clients/node_modules/', import.meta.url));
export const node22 = `${root}.bin/node`;
export const conformanceCli = `${root}@modelcontextprotocol/conformance/dist/index.js`;
export const inspectorCli = `${root}@modelcontextprotocol/inspector/clients/launcher/build/index.js`;

export const claudeCli = `${root}.bin/claude`;

export function outsideClientsMissing(): string | null {
  for (const file of [node22, conformanceCli, inspectorCli]) {
    if (!existsSync(file))
      return `outside clients not installed (${file} missing): run \`npm run setup:outside-clients\``;
  }
  return null;
}

export function runNode22(
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      node22,
      args,
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
