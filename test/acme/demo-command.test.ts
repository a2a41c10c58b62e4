import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { listToolsOn } from '../helpers/json-rpc-body.js';

/** `toolgate demo` as a new user runs it: starts, answers with the printed token, stops on Ctrl-C. */
it('toolgate demo starts Acme and the gateway, prints working tokens, and stops cleanly on SIGINT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-demo-'));
  const bin = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
  const child = spawn(process.execPath, [bin, 'demo'], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: '0',
      ACME_PORT: '0',
      IDP_PORT: '28789', // the demo IdP needs a fixed port (its issuer URL); keep it off the default
      TOOLGATE_DB: join(dir, 'demo.db'),
      ACME_DB: join(dir, 'acme.db'),
      TOOLGATE_LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await runDemoChecks();
  } finally {
    // A failed or timed-out check must not leave the demo (and its fixed IdP port) running.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }

  async function runDemoChecks() {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out}`)), 30_000);
      child.stdout.on('data', () => out.includes('Ctrl-C stops them all.') && (clearTimeout(timer), resolve()));
      child.once('exit', (code) => reject(new Error(`demo exited early (${code}):\n${out}`)));
    });
    const mcp = /Gateway \(MCP\)\s+(\S+)/.exec(out)?.[1];
    const acme = /Acme internal API\s+(\S+)/.exec(out)?.[1];
    const token = /TOOLGATE_TOKEN=(tg_agent_\w+)/.exec(out)?.[1];
    expect(mcp && acme && token).toBeTruthy();
    const list = await listToolsOn(mcp!, token!);
    const text = await list.text();
    expect(text).toContain('get_customer_billing_summary');
    // A real call: through the fast path, the pipeline and ctx.fetch to Acme (its egress entry).
    const call = await fetch(mcp!, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: {
          name: 'get_customer_billing_summary',
          arguments: { customer_id: 'cus_123', reason: 'demo test checks a billing summary' },
        },
      }),
    });
    const answer = (await call.json()) as { result: { isError?: boolean; structuredContent?: unknown } };
    expect(answer.result.isError, JSON.stringify(answer)).toBeFalsy();
    expect(answer.result.structuredContent).toMatchObject({ customer_id: 'cus_123' });
    expect((await fetch(`${acme}/v1/customers/cus_123`)).status).toBe(401); // Acme wants its own service tokens

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(`${acme}/v1/customers/cus_123`)).rejects.toThrow(); // Acme stopped too
  }
}, 60_000);
