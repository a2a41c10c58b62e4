import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LEASE_MARGIN_MS } from '../../src/actions/recovery.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { draftRefund, refundAction, refundCredentials } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

let api: FakeRefundApi;
let t: Awaited<ReturnType<typeof tempSqliteStore>>;
beforeEach(async () => {
  api = await startFakeRefundApi();
  t = await tempSqliteStore();
});
afterEach(async () => {
  await api.close();
  await t.cleanup();
});

async function draftIn(path: string): Promise<string> {
  const store = await openSqliteStore({ path });
  try {
    return await draftRefund(createGateway({ tools: [refundAction(api.url)], store, credentials: refundCredentials }));
  } finally {
    await store.close();
  }
}

/** Past the lease of an execution started now with the default 30 s deadline (recovery.ts). */
const PAST_LEASE = 2 * 30_000 + LEASE_MARGIN_MS + 1_000;

/** Runs the approving child and kills it (SIGKILL) as soon as `killWhen` holds. */
async function approveAndKill(draftId: string, killWhen: () => boolean, mode = 'api'): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures/approve-in-child.ts'), t.path, api.url, draftId, mode],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (killWhen()) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('exit', (_code, signal) => {
      clearInterval(poll);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child was not killed mid-execute (exit ${_code})`));
    });
  });
}

it('a process killed during execute is recovered by verify on restart, and the refund never runs twice', async () => {
  await t.store.close();
  const draftId = await draftIn(t.path);
  api.delayNextCreateMs = 5_000; // the API records the refund, then holds the response
  await approveAndKill(draftId, () => api.createRequests.length === 1);
  expect(api.createRequests).toHaveLength(1);

  const store = await openSqliteStore({ path: t.path });
  expect((await store.drafts.get(draftId))?.status).toBe('executing');
  let clock = Date.now();
  const gw = createGateway({ tools: [refundAction(api.url)], store, credentials: refundCredentials, now: () => clock });
  // Within the execution's lease nobody can tell a dead executor from one still running elsewhere:
  // left alone. Once it is over (execute and verify deadlines, plus the margin), it is settled.
  expect(await gw.actions.resumeInterrupted()).toEqual([]);
  expect((await store.drafts.get(draftId))?.status).toBe('executing');
  clock += PAST_LEASE;
  const [settled] = await gw.actions.resumeInterrupted();
  expect(settled?.status).toBe('verified');
  expect(await gw.actions.resumeInterrupted()).toEqual([]);
  await expect(
    gw.actions.approve(
      draftId,
      { actorId: 'usr_x', tenant: 'acme', roles: ['billing_approver'], scopes: [] },
      { reason: 'again', surface: 'cli' },
    ),
  ).rejects.toMatchObject({ code: 'conflict' });
  expect(api.createRequests).toHaveLength(1);
  const kinds = (await store.audit.query({ kind: 'action.executed' })).map((e) => e.actor);
  expect(kinds).toEqual(['system:reconciler']);
  await store.close();
  t.store = await openSqliteStore({ path: t.path }); // for cleanup
});

it(
  'a process killed before its request reached the API leaves the draft waiting ' + 'for an operator, not re-run',
  async () => {
    await t.store.close();
    const draftId = await draftIn(t.path);
    // The child dies inside execute, after the draft is marked executing and before any request.
    await approveAndKill(draftId, () => false, 'die-before-request');
    const store = await openSqliteStore({ path: t.path });
    const now = () => Date.now() + PAST_LEASE;
    const gw = createGateway({ tools: [refundAction(api.url)], store, credentials: refundCredentials, now });
    const [unresolved] = await gw.actions.resumeInterrupted();
    expect(unresolved?.status).toBe('unresolved');
    const note = JSON.parse(unresolved!.state).unresolved;
    expect(note).toMatchObject({ retrySafe: true, reason: expect.stringMatching(/verify did not find the write/) });
    expect(api.createRequests).toHaveLength(0);
    expect(await store.audit.query({ kind: 'action.unresolved' })).toHaveLength(1);

    // An operator decides: retry with the same idempotency key. It executes once and verifies.
    const lead = { actorId: 'usr_operator', tenant: 'acme', roles: ['billing_approver'], scopes: [] };
    await expect(
      gw.actions.resolve(draftId, { ...lead, roles: ['support'] }, 'retry', {
        reason: 'checked upstream',
        surface: 'cli',
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const retried = await gw.actions.resolve(draftId, lead, 'retry', {
      reason: 'no refund upstream; retrying',
      surface: 'cli',
    });
    expect(retried.status).toBe('verified');
    expect(api.createRequests).toHaveLength(1);
    await expect(
      gw.actions.resolve(draftId, lead, 'close', { reason: 'too late', surface: 'cli' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await store.close();
    t.store = await openSqliteStore({ path: t.path });
  },
);
