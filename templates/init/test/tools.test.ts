import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createGateway, openSqliteStore, staticCredentials, type Gateway, type Store } from 'toolgate';
import config from '../toolgate.config.js';

// The tools through the real pipeline and a real (temporary) SQLite audit log.
const agent = { actorId: 'usr_agent', tenant: 'acme', roles: ['support'], scopes: ['orders:read', 'orders:draft'] };
const lead = { actorId: 'usr_lead', tenant: 'acme', roles: ['orders_approver'], scopes: [] };
const dir = mkdtempSync(join(tmpdir(), 'toolgate-app-'));
let store: Store;
let gateway: Gateway;

before(async () => {
  process.env.ORDERS_STANDIN_FILE = join(dir, 'orders.json'); // the stand-in API's own copy
  store = await openSqliteStore({ path: join(dir, 'test.db') });
  const credentials = staticCredentials({ test: { orders_read: 'read-token', orders_write: 'write-token' } }, 'test');
  gateway = createGateway({ tools: config.tools, store, credentials });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (tool: string, args: unknown) =>
  gateway.call({ tool, args, principal: agent, client: 'test', surface: 'direct' });

test('get_order_status answers compactly, with its source record', async () => {
  const result = await call('get_order_status', { order_id: 'ord_1002', reason: 'customer asked' });
  assert.ok(result.ok, result.text);
  assert.equal(result.structured.status, 'shipped');
  assert.deepEqual(result.structured.source_records, ['ord_1002']);
});

test("another tenant's order answers like an unknown one", async () => {
  const foreign = await call('get_order_status', { order_id: 'ord_2001', reason: 'customer asked' });
  assert.equal(foreign.ok, false);
});

test('a bad argument is refused with the field named', async () => {
  const bad = await call('get_order_status', { order_id: 'DROP TABLE orders', reason: 'customer asked' });
  assert.ok(!bad.ok && bad.error.code === 'invalid_input', bad.text);
});

test('cancelling drafts first; approval executes once, verifies, and can be rolled back', async () => {
  const drafted = await call('create_order_cancellation_draft', { order_id: 'ord_1001', reason: 'customer asked' });
  assert.ok(drafted.ok, drafted.text);
  const draftId = String(drafted.structured.draft_id);
  assert.equal(drafted.structured.status, 'awaiting_approval');

  const done = await gateway.actions.approve(draftId, lead, { reason: 'confirmed with the customer', surface: 'cli' });
  assert.equal(done.status, 'verified');
  const undone = await gateway.actions.rollback(draftId, lead, {
    reason: 'customer changed their mind',
    surface: 'cli',
  });
  assert.equal(undone.status, 'rolled_back');
});
