import { describe, expect, it } from 'vitest';
import { answersOwed } from '../../src/cli/stdio-answers.js';

const settled = async (promise: Promise<void>) =>
  Promise.race([promise.then(() => true), new Promise((resolve) => setImmediate(() => resolve(false)))]);

/** What `toolgate stdio` waits for before it closes the SDK's transport (stdio.ts). */
describe('answers owed on stdio', () => {
  it('owes each request until an answer with its id is sent; ids may repeat', async () => {
    const owed = answersOwed();
    owed.read({ jsonrpc: '2.0', id: 1, method: 'tools/call' });
    owed.read({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    owed.read({ jsonrpc: '2.0', method: 'notifications/initialized' }); // not owed
    const all = owed.allAnswered();
    owed.sent({ jsonrpc: '2.0', id: 1, result: {} });
    expect(await settled(all)).toBe(false);
    owed.sent({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'x' } });
    expect(await settled(all)).toBe(true);
  });

  it('a cancelled request is owed nothing: the SDK never answers it (found in review)', async () => {
    const owed = answersOwed();
    owed.read({ jsonrpc: '2.0', id: 'a', method: 'tools/call' });
    owed.read({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'a' } });
    expect(await settled(owed.allAnswered())).toBe(true);
  });

  it('a message the SDK refuses as malformed (no jsonrpc, an object id) is not counted', async () => {
    const owed = answersOwed();
    owed.read({ id: 5, method: 'tools/list' });
    owed.read({ jsonrpc: '2.0', id: { x: 1 }, method: 'tools/list' });
    expect(await settled(owed.allAnswered())).toBe(true);
  });
});
