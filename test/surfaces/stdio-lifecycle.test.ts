import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/index.js';

/**
 * How `toolgate stdio` stops: a call still running when stdin ends or SIGTERM comes is finished
 * and audited before the store closes (it lost its event before), and a line the transport cannot
 * take ends the process instead of leaving it up and deaf.
 */
const bin = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
const config = fileURLToPath(new URL('./slow-stdio.config.ts', import.meta.url));
let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'toolgate-stdio-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  send(message: unknown): void;
  answered(id: number): Promise<Record<string, unknown>>;
}

function start(env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [bin, 'stdio', '--config', config], {
    env: { ...process.env, TOOLGATE_DB: join(dir, 'stdio.db'), TOOLGATE_LOG_LEVEL: 'warn', ...env },
  });
  // The process may stop reading before a long line is written out (the 10 MiB case).
  child.stdin.on('error', () => {});
  const lines: string[] = [];
  let err = '';
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const answered = async (id: number) => {
    for (;;) {
      const line = lines.find((l) => (JSON.parse(l) as { id?: unknown }).id === id);
      if (line) return JSON.parse(line) as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    send: (message) => child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`),
    answered,
  };
}

async function initialized(running: Running) {
  running.send({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
  });
  await running.answered(1);
  running.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
}

const slowCall = (id: number, ms: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'get_slow_summary', arguments: { ms } },
});

async function auditedCalls() {
  const store = await openSqliteStore({ path: join(dir, 'stdio.db') });
  try {
    return await store.audit.query({ tool: 'get_slow_summary' });
  } finally {
    await store.close();
  }
}

describe('toolgate stdio stopping', () => {
  it('warns of a TOOLGATE_AUDIT_KEY under 32 bytes on stderr, as serve does', async () => {
    const running = start({ TOOLGATE_AUDIT_KEY: 'x' });
    await initialized(running);
    running.child.stdin.end();
    expect(await running.exited).toBe(0);
    expect(running.stderr()).toContain('TOOLGATE_AUDIT_KEY is shorter than 32 bytes and can be guessed');
  }, 30_000);

  it("writes the count of the rate_limited refusals it folded before it exits (the gateway's stop)", async () => {
    const running = start();
    await initialized(running);
    for (let id = 2; id <= 6; id++) {
      running.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'get_rate_probe', arguments: {} } });
      await running.answered(id);
    }
    running.child.stdin.end();
    expect(await running.exited).toBe(0);
    const store = await openSqliteStore({ path: join(dir, 'stdio.db') });
    try {
      const refused = await store.audit.query({ tool: 'get_rate_probe', outcome: 'denied' });
      // One allowed, four refused: the first refusal's own event, and one counting the other three.
      expect(refused.map((e) => e.data?.folded ?? null)).toEqual([null, 3]);
      expect((await store.audit.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  }, 30_000);

  it('stdin closed while a call runs: the call finishes and is audited, then the process exits 0', async () => {
    const running = start();
    await initialized(running);
    running.send(slowCall(2, 700));
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.stdin.end();
    expect(await running.exited).toBe(0);
    expect(running.stderr()).not.toContain('database is closed');
    expect((await auditedCalls()).map((e) => e.outcome)).toEqual(['ok']);
    // The client closed its side only: it still reads the answer (before, none came).
    expect(await running.answered(2)).toMatchObject({ result: { structuredContent: { waited_ms: 700 } } });
  }, 30_000);

  it('requests piped in all at once and stdin closed at once: every one is answered before it exits', async () => {
    // `printf … | toolgate stdio`: the call ran and was audited ok, but its answer was dropped
    // while the tools/list after it was answered (found by an outside probe).
    const running = start();
    running.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    running.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    running.send(slowCall(2, 50));
    running.send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    running.child.stdin.end();
    expect(await running.exited).toBe(0);
    const ids = running.lines.map((line) => (JSON.parse(line) as { id?: unknown }).id);
    expect(ids.sort()).toEqual([1, 2, 3]);
    expect(await running.answered(2)).toMatchObject({ result: { structuredContent: { waited_ms: 50 } } });
    expect((await auditedCalls()).map((e) => e.outcome)).toEqual(['ok']);
  }, 30_000);

  it('SIGTERM while a call runs: its answer still goes out and its event is on disk', async () => {
    const running = start();
    await initialized(running);
    running.send(slowCall(2, 700));
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.kill('SIGTERM');
    const answer = await running.answered(2);
    expect(answer).toMatchObject({ result: { structuredContent: { waited_ms: 700 } } });
    expect(await running.exited).toBe(0);
    expect((await auditedCalls()).map((e) => e.outcome)).toEqual(['ok']);
  }, 30_000);

  it('after SIGTERM a new request is answered "stopping", not run: it would outlive the store', async () => {
    // Found in review: a call that started while the answers went out ran with the store closing
    // under it, and its audit event was lost.
    const running = start();
    await initialized(running);
    running.send(slowCall(2, 700));
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    running.send(slowCall(3, 50));
    expect(await running.answered(3)).toMatchObject({
      error: { code: -32000, message: expect.stringMatching(/stopping/) },
    });
    expect(await running.answered(2)).toMatchObject({ result: { structuredContent: { waited_ms: 700 } } });
    expect(await running.exited).toBe(0);
    expect((await auditedCalls()).map((e) => e.outcome)).toEqual(['ok']);
  }, 30_000);

  it('a line that is not JSON, or a batch, gets a JSON-RPC error (id null); the next request is served', async () => {
    const running = start();
    await initialized(running);
    running.send('this is not json');
    running.send([slowCall(6, 0), slowCall(7, 0)]);
    running.send({ jsonrpc: '2.0', id: 8, method: 'tools/list' });
    // Before: the first two were dropped without a word; a client waited on 6 and 7 forever.
    expect(await running.answered(8)).toMatchObject({
      result: { tools: [{ name: 'get_slow_summary' }, { name: 'get_rate_probe' }] },
    });
    const errors = running.lines
      .map((l) => JSON.parse(l) as { id?: unknown; error?: { code: number } })
      .filter((m) => m.error);
    expect(errors).toEqual([
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32700 }) }),
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
    ]);
    running.child.stdin.end();
    expect(await running.exited).toBe(0);
  }, 30_000);

  it("a line over the transport's 10 MiB buffer ends the process instead of leaving it up and deaf", async () => {
    const running = start();
    await initialized(running);
    running.send(
      '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"x","arguments":{"pad":"' +
        'x'.repeat(11 * 1024 * 1024) +
        '"}}}',
    );
    // stdin stays open: before, nothing ended the process (it was killed at the test's timeout).
    const exit = await Promise.race([
      running.exited,
      new Promise((resolve) => setTimeout(() => resolve('running'), 10_000)),
    ]);
    if (exit === 'running') running.child.kill('SIGKILL');
    expect(exit).toBe(0);
    expect(running.stderr()).toMatch(/ReadBuffer exceeded maximum size/);
  }, 30_000);

  it('a gateway it cannot build (a malformed egress entry) exits 2 with the reason; it hung with its store open', async () => {
    const bad = join(dir, 'bad-egress.config.mjs');
    writeFileSync(
      bad,
      `const P = { actorId: 'u', tenant: 't', roles: [], scopes: [] };
export default { tools: [], toolsets: { c: [] }, egress: { x: ['not a host !!'] }, stdio: { principal: P, client: 'c' } };\n`,
    );
    const child = spawn(process.execPath, [bin, 'stdio', '--config', bad], {
      env: { ...process.env, TOOLGATE_DB: join(dir, 'bad.db') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const exit = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
      new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 15_000)),
    ]);
    if (exit === 'running') child.kill('SIGKILL');
    expect(exit).toBe(2);
    expect(err).toContain('egress.x: allowlist entry "not a host !!" must be a host');
  }, 30_000);
});
