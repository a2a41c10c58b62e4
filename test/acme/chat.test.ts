import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { runChatCommand } from '../../src/cli/chat.js';

it('toolgate chat without ANTHROPIC_API_KEY says so plainly and runs the flow on a scripted model', async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runChatCommand(['Is', 'cus_123', 'behind', 'on', 'payments?'], { stdout, stderr, env: {} });
  expect(code).toBe(0);
  expect(err).toMatch(/ANTHROPIC_API_KEY is not set: using a scripted model \(not Claude\)/);
  expect(out).toMatch(/tool get_customer_billing_summary → ok {2}\(audit aud_\w+\)/);
  expect(out).toMatch(/cus_123 is past due with 2 open invoice\(s\)/);
});
