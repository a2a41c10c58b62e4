import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/index.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-crash-'));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("a process killed right after a call returned still has that call's event on disk", async () => {
  const path = join(dir, 'crash.db');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures/call-then-hang.ts'), path],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const auditId = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        child.kill('SIGKILL'); // no chance to flush, close or checkpoint
        resolve(out.trim());
      }
    });
    child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
  await new Promise((resolve) => child.once('close', resolve));
  expect(child.signalCode).toBe('SIGKILL');

  const store = await openSqliteStore({ path });
  const event = await store.audit.get(auditId);
  expect(event).toMatchObject({ id: auditId, actor: 'usr_crash', outcome: 'ok', tool: 'get_customer_billing_summary' });
  expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
  await store.close();
});
