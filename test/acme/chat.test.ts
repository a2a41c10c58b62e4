import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { runChatCommand } from '../../src/cli/chat.js';
import { runCli } from '../helpers/capture-io.js';

it('toolgate chat without ANTHROPIC_API_KEY says so plainly and runs the flow on a scripted model', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'tg-chat-')), 'demo.db');
  const args = ['Is', 'cus_123', 'behind', 'on', 'payments?'];
  const { code, out, err } = await runCli(runChatCommand, args, { TOOLGATE_DB: db });
  expect(code).toBe(0);
  expect(err).toMatch(/ANTHROPIC_API_KEY is not set: using a scripted model \(not Claude\)/);
  expect(out).toMatch(/tool get_customer_billing_summary → ok {2}\(audit aud_\w+\)/);
  expect(out).toMatch(/cus_123 is past due with 2 open invoice\(s\)/);
  // The printed audit id is in the store the demo's console reads.
  const auditId = /\(audit (aud_\w+)\)/.exec(out)?.[1];
  const store = await openSqliteStore({ path: db });
  expect(await store.audit.get(auditId!)).toMatchObject({ tool: 'get_customer_billing_summary' });
  await store.close();
  rmSync(dirname(db), { recursive: true, force: true });
});
