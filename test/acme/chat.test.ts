import { expect, it } from 'vitest';
import { runChatCommand } from '../../src/cli/chat.js';
import { runCli } from '../helpers/capture-io.js';

it('toolgate chat without ANTHROPIC_API_KEY says so plainly and runs the flow on a scripted model', async () => {
  const { code, out, err } = await runCli(runChatCommand, ['Is', 'cus_123', 'behind', 'on', 'payments?']);
  expect(code).toBe(0);
  expect(err).toMatch(/ANTHROPIC_API_KEY is not set: using a scripted model \(not Claude\)/);
  expect(out).toMatch(/tool get_customer_billing_summary → ok {2}\(audit aud_\w+\)/);
  expect(out).toMatch(/cus_123 is past due with 2 open invoice\(s\)/);
});
