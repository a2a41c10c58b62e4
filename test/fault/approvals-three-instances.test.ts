import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';
import { APPROVER_TOKENS } from './fixtures/fault-tokens.js';
import { AUDIT_KEY, callTool, startServeProcess, type ServeProcess } from './serve-process.js';

// Issue #13, fault injection: twenty approvers pressing "approve" on the same draft at once,
// spread over three gateway processes that share one PostgreSQL, must execute the refund exactly
// once. Nothing is shared between the processes but the database.
let pg: ThrowawayPostgres | null = null;
let api: FakeRefundApi;
let database = '';
let gateways: ServeProcess[] = [];
beforeAll(async () => {
  pg = await startThrowawayPostgres();
  if (!pg) {
    console.warn('\n⚠ SKIPPED approvals across three instances: no PostgreSQL binaries in /usr/lib/postgresql\n');
    return;
  }
  api = await startFakeRefundApi();
  database = await pg.createDatabase();
  // Started together on a fresh database: their migrations race too.
  gateways = await Promise.all(
    [0, 1, 2].map(() => startServeProcess({ TOOLGATE_DATABASE_URL: database, FAULT_REFUND_API: api.url })),
  );
}, 120_000);
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await api?.close();
  pg?.stop();
});

describe('20 concurrent approvals across three gateway instances on one PostgreSQL', () => {
  it('execute the refund exactly once; every other approver gets a conflict', async (ctx) => {
    if (!pg) return ctx.skip();
    const drafted = await callTool(gateways[0]!.url, 'create_refund_draft', {
      invoice_id: 'inv_789',
      amount_usd: 40,
      reason: 'charged twice for the same order',
    });
    const draftId = (drafted.result?.structuredContent as { draft_id?: string } | undefined)?.draft_id;
    expect(draftId, JSON.stringify(drafted)).toMatch(/^drf_/);

    const answers = await Promise.all(
      APPROVER_TOKENS.map(async (token, i) => {
        const res = await fetch(`${gateways[i % 3]!.url}/api/drafts/${draftId}/approve`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'checked the invoice' }),
        });
        return { status: res.status, body: (await res.json()) as { status?: string; error?: string } };
      }),
    );
    const won = answers.filter((a) => a.status === 200);
    expect(won, JSON.stringify(answers)).toHaveLength(1);
    expect(won[0]!.body.status).toBe('verified');
    expect(answers.filter((a) => a.status !== 200).every((a) => a.status === 409 && a.body.error === 'conflict')).toBe(
      true,
    );
    expect(api.createRequests).toHaveLength(1);

    const store = await openStore({ database, auditKey: AUDIT_KEY });
    try {
      const events = await store.audit.query({ sourceId: draftId!, limit: 500 });
      const kinds = events.map((e) => e.kind);
      for (const once of ['action.approved', 'action.executing', 'action.executed', 'action.verified'])
        expect(
          kinds.filter((k) => k === once),
          `${once} in ${kinds.join(', ')}`,
        ).toHaveLength(1);
      expect(await store.audit.verify()).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  }, 60_000);
});
