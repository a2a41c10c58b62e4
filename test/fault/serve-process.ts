/**
 * Starts `toolgate serve` as a real child process (bin/toolgate.js, the fault config) and talks to
 * it over HTTP the way an MCP client does. The tests here kill, starve and race these processes;
 * nothing runs in the test's own process except the client side and the store read-back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FAULT_AGENT_TOKEN } from './fixtures/fault-tokens.js';

const root = join(import.meta.dirname, '../..');
export const AUDIT_KEY = 'fault-audit-key-0123456789abcdef0123';

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** The last 20 kB of the child's stderr (for failure messages). */
  stderr(): string;
  /** SIGKILL: no drain, no flush, no close. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export async function startServeProcess(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [join(root, 'bin/toolgate.js'), 'serve', '--config', join(import.meta.dirname, 'fixtures/fault.config.ts')],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PORT: '0', TOOLGATE_LOG_LEVEL: 'warn', TOOLGATE_AUDIT_KEY: AUDIT_KEY, ...env },
    },
  );
  let err = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      err = `${err}${line}\n`.slice(-20_000); // the tail is enough to explain a failure
      const match = / at (http:\/\/\S+)\/mcp$/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`toolgate serve exited before listening:\n${err}`)));
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, child, stderr: () => err, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

export interface RpcAnswer {
  readonly status: number;
  readonly result?: { isError?: boolean; _meta?: Record<string, unknown>; structuredContent?: unknown };
  readonly error?: { code: number; message: string };
}

/** One stateless `tools/call` over Streamable HTTP; reads a JSON or an SSE answer. */
export async function callTool(url: string, name: string, args: unknown, id = 1): Promise<RpcAnswer> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      authorization: `Bearer ${FAULT_AGENT_TOKEN}`,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .join('')
    : text;
  if (!json) return { status: res.status };
  return { status: res.status, ...(JSON.parse(json) as Omit<RpcAnswer, 'status'>) };
}
