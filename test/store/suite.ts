import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashEvent } from '../../src/audit/chain.js';
import type { AuditEventInput } from '../../src/audit/event.js';
import type { AuditCommit, DraftRecord, Store } from '../../src/store/types.js';
import { anyAuditEvent } from '../audit/arbitrary-event.js';

/**
 * The behaviour every Store must have. SQLite runs it here; PostgreSQL runs the same function,
 * so the two cannot drift apart.
 */
export function runStoreSuite(
  name: string,
  makeStore: () => Promise<{ store: Store; cleanup: () => Promise<void> }>,
): void {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const { store, cleanup } = await makeStore();
    try {
      await fn(store);
    } finally {
      await cleanup();
    }
  };

  describe(`${name} store`, () => {
    it(
      'appends audit events, gets and filters them',
      withStore(async (store) => {
        await store.audit.append(
          event({ id: 'aud_a', actor: 'alice', tool: 'get_x_y', tenant: 't1', time: '2026-06-01T00:00:00.000Z' }),
        );
        await store.audit.append(
          event({
            id: 'aud_b',
            actor: 'bob',
            tool: 'get_x_y',
            tenant: 't2',
            time: '2026-06-02T00:00:00.000Z',
            outcome: 'denied',
          }),
        );
        await store.audit.append(
          event({ id: 'aud_c', actor: 'alice', tool: 'list_a_b', tenant: 't1', time: '2026-06-03T00:00:00.000Z' }),
        );
        expect((await store.audit.get('aud_b'))?.outcome).toBe('denied');
        expect(await store.audit.get('aud_zz')).toBeNull();
        const ids = async (f: Parameters<Store['audit']['query']>[0]) => (await store.audit.query(f)).map((e) => e.id);
        expect(await ids({ actor: 'alice' })).toEqual(['aud_a', 'aud_c']);
        expect(await ids({ tool: 'get_x_y', tenant: 't2' })).toEqual(['aud_b']);
        expect(await ids({ outcome: 'denied' })).toEqual(['aud_b']);
        expect(await ids({ since: '2026-06-02T00:00:00.000Z' })).toEqual(['aud_b', 'aud_c']);
        expect(await ids({ until: '2026-06-01T12:00:00.000Z' })).toEqual(['aud_a']);
        expect(await ids({ newestFirst: true, limit: 2 })).toEqual(['aud_c', 'aud_b']);
        expect(await ids({ afterSeq: 2 })).toEqual(['aud_c']);
        expect(await ids({ sourceId: 'src_1' })).toEqual(['aud_a', 'aud_b', 'aud_c']);
        expect(await ids({ sourceId: 'src' })).toEqual([]);
        const stored = await store.audit.get('aud_a');
        expect(stored).toMatchObject({ sourceIds: ['src_1'], data: { k: 'v' }, seq: 1 });
      }),
    );

    it(
      'group-commits 200 concurrent appends into one gap-free verified chain',
      withStore(async (store) => {
        const sealed = await Promise.all(
          Array.from({ length: 200 }, (_, i) => store.audit.append(event({ id: `aud_${i}` }))),
        );
        expect(sealed.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        const events = await store.audit.query({ limit: 1_000 });
        for (let i = 1; i < events.length; i++) expect(events[i]?.prevHash).toBe(events[i - 1]?.hash);
        expect(await store.audit.verify()).toMatchObject({ ok: true, count: 200, headSeq: 200 });
      }),
    );

    it(
      'reports each commit with its events and its time, to subscribers until they unsubscribe',
      withStore(async (store) => {
        const commits: AuditCommit[] = [];
        const unsubscribe = store.audit.onCommit((commit) => commits.push(commit));
        await Promise.all(Array.from({ length: 50 }, (_, i) => store.audit.append(event({ id: `aud_${i}` }))));
        unsubscribe();
        await store.audit.append(event({ id: 'aud_unheard' }));
        expect(commits.reduce((sum, commit) => sum + commit.events, 0)).toBe(50);
        expect(commits.length).toBeLessThan(50); // group commit: fewer commits than events
        for (const { seconds } of commits) {
          expect(seconds).toBeGreaterThan(0);
          expect(seconds).toBeLessThan(60);
        }
      }),
    );

    it(
      'a commit listener that throws costs nothing: every append resolves, the others still hear, one warning',
      withStore(async (store) => {
        const warnings: string[] = [];
        const onWarning = (warning: Error & { code?: string }) => {
          if (warning.code === 'TOOLGATE_LISTENER_FAILED') warnings.push(warning.message);
        };
        process.on('warning', onWarning);
        const heard: AuditCommit[] = [];
        const stopBroken = store.audit.onCommit(() => {
          throw new Error('a bug in a metrics hook');
        });
        const stopHeard = store.audit.onCommit((commit) => heard.push(commit));
        try {
          // Before, the throw escaped the writer's reply handler (SQLite: an uncaught exception)
          // or stopped the listeners after it (PostgreSQL: the committed batch was then retried).
          const sealed = await Promise.all(
            Array.from({ length: 20 }, (_, i) => store.audit.append(event({ id: `aud_l${i}` }))),
          );
          expect(sealed.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
          expect(heard.reduce((sum, commit) => sum + commit.events, 0)).toBe(20);
          await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
          expect(warnings).toEqual([expect.stringContaining('a bug in a metrics hook')]);
        } finally {
          stopBroken();
          stopHeard();
          process.off('warning', onWarning);
        }
      }),
    );

    it(
      'reports the chain head, and verifies against an anchor',
      withStore(async (store) => {
        expect(await store.audit.chainHead()).toBeNull();
        const sealed = [];
        for (let i = 1; i <= 3; i++) sealed.push(await store.audit.append(event({ id: `aud_anchor_${i}` })));
        const head = await store.audit.chainHead();
        expect(head).toEqual({ seq: 3, hash: sealed[2]!.hash });
        expect(await store.audit.verify(head!)).toMatchObject({ ok: true, count: 3 });
        expect(await store.audit.verify({ seq: 2, hash: sealed[1]!.hash })).toMatchObject({ ok: true, count: 3 });
        // The right seq with another hash: the log no longer holds the anchored event.
        expect(await store.audit.verify({ seq: 2, hash: sealed[0]!.hash })).toMatchObject({
          ok: false,
          firstBadSeq: 2,
          problem: 'anchor_mismatch',
        });
        // An anchor past the end: events were removed (here, never written: the same to the log).
        expect(await store.audit.verify({ seq: 5, hash: sealed[2]!.hash })).toMatchObject({
          ok: false,
          firstBadSeq: 4,
          problem: 'anchor_mismatch',
        });
      }),
    );

    it(
      'refuses a duplicate audit id without breaking the chain',
      withStore(async (store) => {
        await store.audit.append(event({ id: 'aud_dup' }));
        await expect(store.audit.append(event({ id: 'aud_dup' }))).rejects.toThrow();
        await store.audit.append(event({ id: 'aud_next' }));
        expect(await store.audit.verify()).toMatchObject({ ok: true, count: 2 });
      }),
    );

    it(
      'a bad event in a shared batch fails alone; its batch-mates are committed',
      withStore(async (store) => {
        await store.audit.append(event({ id: 'aud_taken' }));
        const commits: AuditCommit[] = [];
        const unsubscribe = store.audit.onCommit((commit) => commits.push(commit));
        const results = await Promise.allSettled([
          store.audit.append(event({ id: 'aud_ok_1' })),
          store.audit.append(event({ id: 'aud_taken' })),
          store.audit.append(event({ id: 'aud_ok_2' })),
        ]);
        unsubscribe();
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(await store.audit.verify()).toMatchObject({ ok: true, count: 3 });
        // The batch failed, and each event was retried alone: the two that committed are timed.
        expect(commits.map((commit) => commit.events)).toEqual([1, 1]);
      }),
    );

    it(
      'stores a lone surrogate or a NUL in audit text as U+FFFD, and the chain verifies',
      withStore(async (store) => {
        // A client can send `"\ud800"` as a tool name: it has no UTF-8 form, and sealing the
        // original made the chain fail verification (SQLite) or the row fail (PostgreSQL).
        await store.audit.append(event({ id: 'aud_odd', tool: 'x\ud800y\u0000z', actor: '\udc00' }));
        expect(await store.audit.get('aud_odd')).toMatchObject({ tool: 'x\uFFFDy\uFFFDz', actor: '\uFFFD' });
        expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
      }),
    );

    it(
      'seals exactly what it stores, for any event: each reads back with its hash and the chain verifies',
      withStore(async (store) => {
        let n = 0;
        await fc.assert(
          fc.asyncProperty(anyAuditEvent, async (any) => {
            const sealed = await store.audit.append({ ...any, id: `aud_any_${(n += 1)}` });
            const stored = await store.audit.get(sealed.id);
            // data is kept as JSON text: it reads back as JSON would give it (-0 as 0).
            const data = JSON.parse(JSON.stringify(any.data)) as unknown;
            expect(stored).toMatchObject({ seq: sealed.seq, hash: sealed.hash, data });
            expect(stored?.hash).toBe(hashEvent(stored!, stored!.seq, stored!.prevHash));
          }),
          { numRuns: 100 },
        );
        expect(await store.audit.verify()).toMatchObject({ ok: true, count: n });
      }),
    );

    it(
      'rate limits with a token bucket: burst, refusal with retry-after, refill',
      withStore(async (store) => {
        const rule = { capacity: 2, refillPerSecond: 1 };
        expect((await store.rateLimits.take('k', rule, 1_000)).allowed).toBe(true);
        expect((await store.rateLimits.take('k', rule, 1_000)).allowed).toBe(true);
        const refused = await store.rateLimits.take('k', rule, 1_000);
        expect(refused).toEqual({ allowed: false, retryAfterMs: 1_000, remaining: 0, granted: 0 });
        expect((await store.rateLimits.take('k', rule, 1_500)).retryAfterMs).toBe(500);
        expect((await store.rateLimits.take('k', rule, 2_000)).allowed).toBe(true);
        expect((await store.rateLimits.take('other', rule, 1_000)).allowed).toBe(true);
      }),
    );

    it(
      'leases several tokens at once, never more than the bucket holds (issue #15)',
      withStore(async (store) => {
        const rule = { capacity: 10, refillPerSecond: 0.001 };
        expect((await store.rateLimits.take('lease', rule, 1_000, 6)).granted).toBe(6);
        expect((await store.rateLimits.take('lease', rule, 1_000, 6)).granted).toBe(4);
        expect(await store.rateLimits.take('lease', rule, 1_000, 6)).toMatchObject({ allowed: false, granted: 0 });
      }),
    );

    it(
      'claims an idempotency key once, even concurrently, and replays the outcome',
      withStore(async (store) => {
        const claims = await Promise.all(Array.from({ length: 10 }, () => store.idempotency.claim('idem_1', 'fp')));
        expect(claims.filter((c) => c.state === 'claimed')).toHaveLength(1);
        expect(claims.filter((c) => c.state === 'in_progress')).toHaveLength(9);
        expect(await store.idempotency.claim('idem_1', 'other-body')).toEqual({ state: 'fingerprint_mismatch' });
        await store.idempotency.complete('idem_1', '{"refund":"re_1"}');
        expect(await store.idempotency.claim('idem_1', 'fp')).toEqual({
          state: 'completed',
          result: '{"refund":"re_1"}',
        });
        await store.idempotency.claim('idem_2', 'fp');
        await store.idempotency.release('idem_2');
        expect(await store.idempotency.claim('idem_2', 'fp')).toEqual({ state: 'claimed' });
      }),
    );

    it(
      'lets exactly one caller take over an in-progress claim by the time it reported, never a finished one',
      withStore(async (store) => {
        await store.idempotency.claim('idem_3', 'fp');
        const held = await store.idempotency.claim('idem_3', 'fp');
        if (held.state !== 'in_progress') throw new Error(`expected in_progress, got ${held.state}`);
        expect(await store.idempotency.takeOver('idem_3', '2000-01-01T00:00:00.000Z')).toBe(false);
        await new Promise((r) => setTimeout(r, 2)); // a later time than the claim's
        const takers = await Promise.all(
          Array.from({ length: 5 }, () => store.idempotency.takeOver('idem_3', held.since)),
        );
        expect(takers.filter(Boolean)).toHaveLength(1);
        const after = await store.idempotency.claim('idem_3', 'fp');
        expect(after.state === 'in_progress' && after.since > held.since).toBe(true);
        await store.idempotency.complete('idem_3', 'done');
        const done = after.state === 'in_progress' ? after.since : '';
        expect(await store.idempotency.takeOver('idem_3', done)).toBe(false);
        expect(await store.idempotency.takeOver('idem_none', held.since)).toBe(false);
      }),
    );

    it(
      'stores drafts and lets exactly one of two concurrent updates win',
      withStore(async (store) => {
        await store.drafts.create(draft('drf_1'));
        await expect(store.drafts.create(draft('drf_1'))).rejects.toMatchObject({ code: 'conflict' });
        const [a, b] = await Promise.all([
          store.drafts.update('drf_1', 1, { status: 'approved' }, '2026-06-01T00:01:00.000Z'),
          store.drafts.update('drf_1', 1, { status: 'rejected' }, '2026-06-01T00:01:00.000Z'),
        ]);
        expect([a, b].filter((x) => x !== null)).toHaveLength(1);
        const now = await store.drafts.get('drf_1');
        expect(now?.version).toBe(2);
        expect(await store.drafts.list({ status: now!.status })).toHaveLength(1);
        expect(await store.drafts.list({ status: 'expired' })).toHaveLength(0);
        expect(await store.drafts.get('drf_missing')).toBeNull();
      }),
    );

    // Outside probe, 2026-12-07: one token created 1,000 drafts of ~30 KB in 4.7 s and buried
    // everyone else's. The store counts a requester's waiting drafts in the insert's transaction.
    it(
      'refuses a draft past the waiting cap: counts unexpired drafts awaiting approval, per requester and per tenant',
      withStore(async (store) => {
        const cap = { perRequester: 3 };
        const mine = (id: string, over: Partial<DraftRecord> = {}) => ({ ...draft(id), createdAt: at(1), ...over });
        for (const id of ['drf_1', 'drf_2', 'drf_3'])
          expect(await store.drafts.create(mine(id), undefined, cap)).toEqual({ created: true });
        const refused = await store.drafts.create(mine('drf_4'), { id: 'aud_4', event: '{}' }, cap);
        expect(refused).toEqual({
          created: false,
          over: 'requester',
          waiting: 3,
          limit: 3,
          nextExpiry: draft('x').expiresAt,
        });
        expect(await store.drafts.get('drf_4')).toBeNull();
        expect(await store.drafts.queuedAudits(at(59), 10)).toEqual([]); // nothing queued for it either
        // Another requester, another tenant: their own counts.
        expect(await store.drafts.create(mine('drf_bob', { requester: 'bob' }), undefined, cap)).toEqual({
          created: true,
        });
        expect(await store.drafts.create(mine('drf_t2', { tenant: 't2' }), undefined, cap)).toEqual({ created: true });
        // A decided draft no longer waits; nor does one past its expiry (it expires lazily, so its
        // status still says awaiting_approval).
        await store.drafts.update('drf_1', 1, { status: 'rejected' }, at(2));
        expect(await store.drafts.create(mine('drf_5'), undefined, cap)).toEqual({ created: true });
        await store.drafts.create(mine('drf_old', { requester: 'carol', expiresAt: at(3) }));
        const later = { createdAt: at(4), expiresAt: '2026-06-03T00:00:00.000Z' };
        for (const id of ['drf_c1', 'drf_c2', 'drf_c3'])
          expect(await store.drafts.create(mine(id, { requester: 'carol', ...later }), undefined, cap)).toEqual({
            created: true,
          });
        expect(
          await store.drafts.create(mine('drf_c4', { requester: 'carol', ...later }), undefined, cap),
        ).toMatchObject({
          created: false,
          waiting: 3,
        });
        // Without a cap (the store's own callers, tests): stored whatever waits.
        expect(await store.drafts.create(mine('drf_free'))).toEqual({ created: true });
        // The tenant-wide limit counts everyone in the tenant (t1, at 00:04: alice 4, bob 1, carol 3 waiting).
        const tenantCap = { perRequester: 10, perTenant: 8 };
        expect(
          await store.drafts.create(mine('drf_dave', { requester: 'dave', ...later }), undefined, tenantCap),
        ).toMatchObject({
          created: false,
          over: 'tenant',
          waiting: 8,
          limit: 8,
        });
        expect(await store.drafts.create(mine('drf_t2b', { tenant: 't2' }), undefined, tenantCap)).toEqual({
          created: true,
        });
      }),
    );

    it(
      'lets concurrent capped creates of one requester store exactly the cap, no more',
      withStore(async (store) => {
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => store.drafts.create(draft(`drf_${i}`), undefined, { perRequester: 5 })),
        );
        expect(results.filter((r) => r.created)).toHaveLength(5);
        expect(await store.drafts.list({ status: 'awaiting_approval', limit: 100 })).toHaveLength(5);
        const tenantWide = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            store.drafts.create({ ...draft(`drf_t_${i}`), requester: `r${i % 6}` }, undefined, {
              perRequester: 100,
              perTenant: 12,
            }),
          ),
        );
        expect(tenantWide.filter((r) => r.created)).toHaveLength(7); // 12 minus the 5 already waiting
      }),
    );

    it(
      'pages through drafts on (created_at, id) both ways, none skipped or repeated, and leaves out expired ones on ask',
      withStore(async (store) => {
        // Three share a millisecond: only the id orders them, and a page may end between them.
        const times = [1, 2, 2, 2, 3, 4, 5];
        for (const [i, m] of times.entries())
          await store.drafts.create({ ...draft(`drf_${i}`), createdAt: at(m), expiresAt: at(10 + i) });
        await store.drafts.create({ ...draft('drf_other'), tenant: 't2', createdAt: at(2) });
        const all = async (order: 'newest' | 'oldest', extra: { expiresAfter?: string } = {}) => {
          const seen: string[] = [];
          let after: { createdAt: string; id: string } | undefined;
          for (;;) {
            const page = await store.drafts.list({
              tenant: 't1',
              order,
              limit: 2,
              ...(after ? { after } : {}),
              ...extra,
            });
            seen.push(...page.map((d) => d.id));
            if (page.length < 2) return seen;
            after = page.at(-1)!;
          }
        };
        const oldest = times.map((_, i) => `drf_${i}`);
        expect(await all('oldest')).toEqual(oldest);
        expect(await all('newest')).toEqual([...oldest].reverse());
        expect(await all('oldest', { expiresAfter: at(13) })).toEqual(['drf_4', 'drf_5', 'drf_6']);
        // No order given: newest first, as before paging.
        expect((await store.drafts.list({ tenant: 't1', limit: 3 })).map((d) => d.id)).toEqual([
          'drf_6',
          'drf_5',
          'drf_4',
        ]);
      }),
    );

    it(
      "queues a draft change's audit event in the change's own transaction, and only if the change happened",
      withStore(async (store) => {
        const at = (m: number) => `2026-06-01T00:${String(m).padStart(2, '0')}:00.000Z`;
        const queued = (id: string) => ({ id, event: JSON.stringify({ id, kind: 'action.test' }) });
        await store.drafts.create(draft('drf_q'), queued('aud_drafted'));
        // The create failed as a whole: its event is not queued.
        await expect(store.drafts.create(draft('drf_q'), queued('aud_dup_create'))).rejects.toMatchObject({
          code: 'conflict',
        });
        const [a, b] = await Promise.all([
          store.drafts.update('drf_q', 1, { status: 'approved' }, at(1), queued('aud_approved')),
          store.drafts.update('drf_q', 1, { status: 'rejected' }, at(1), queued('aud_rejected')),
        ]);
        const winner = (a ?? b)!.status === 'approved' ? 'aud_approved' : 'aud_rejected';
        // Queued before 00:00:30 only: drafted (its draft's updatedAt) — and not the moves at 00:01.
        expect((await store.drafts.queuedAudits(at(0).replace(':00.000Z', ':30.000Z'), 10)).map((q) => q.id)).toEqual([
          'aud_drafted',
        ]);
        const all = await store.drafts.queuedAudits(at(59), 10);
        expect(all).toEqual([queued('aud_drafted'), queued(winner)]); // the loser of the race queued nothing
        await store.drafts.dequeueAudit('aud_drafted');
        await store.drafts.dequeueAudit('aud_never_queued');
        expect((await store.drafts.queuedAudits(at(59), 10)).map((q) => q.id)).toEqual([winner]);
        // A change without an event queues nothing.
        await store.drafts.update('drf_q', 2, { status: 'executing' }, at(2));
        expect(await store.drafts.queuedAudits(at(59), 10)).toHaveLength(1);
      }),
    );

    it(
      'keeps console sessions by kind until they expire or are deleted (issue #12)',
      withStore(async (store) => {
        const at = (h: number) => `2026-06-01T${String(h).padStart(2, '0')}:00:00.000Z`;
        const record = (idHash: string, kind: 'session' | 'oidc_login', expiresHour: number) => ({
          idHash,
          kind,
          data: JSON.stringify({ who: idHash }),
          createdAt: at(0),
          expiresAt: at(expiresHour),
        });
        await store.sessions.create(record('h_live', 'session', 8));
        await store.sessions.create(record('h_short', 'session', 1));
        await store.sessions.create(record('h_login', 'oidc_login', 8));
        await expect(store.sessions.create(record('h_live', 'session', 9))).rejects.toMatchObject({ code: 'conflict' });
        expect(await store.sessions.get('h_live', 'session', at(2))).toMatchObject({ data: '{"who":"h_live"}' });
        // Expired, wrong kind, unknown: nothing.
        expect(await store.sessions.get('h_short', 'session', at(2))).toBeNull();
        expect(await store.sessions.get('h_login', 'session', at(2))).toBeNull();
        expect(await store.sessions.get('h_missing', 'session', at(2))).toBeNull();
        // take() hands a pending sign-in out once.
        expect(await store.sessions.take('h_login', 'oidc_login', at(2))).toMatchObject({ kind: 'oidc_login' });
        expect(await store.sessions.take('h_login', 'oidc_login', at(2))).toBeNull();
        expect(await store.sessions.deleteExpired(at(2))).toBe(1);
        expect(await store.sessions.delete('h_live')).toBe(true);
        expect(await store.sessions.delete('h_live')).toBe(false);
        expect(await store.sessions.get('h_live', 'session', at(2))).toBeNull();
      }),
    );

    it(
      'gives one pending sign-in to exactly one of many concurrent takers',
      withStore(async (store) => {
        await store.sessions.create({
          idHash: 'h_race',
          kind: 'oidc_login',
          data: '{}',
          createdAt: '2026-06-01T00:00:00.000Z',
          expiresAt: '2026-06-01T01:00:00.000Z',
        });
        const taken = await Promise.all(
          Array.from({ length: 8 }, () => store.sessions.take('h_race', 'oidc_login', '2026-06-01T00:30:00.000Z')),
        );
        expect(taken.filter((r) => r !== null)).toHaveLength(1);
      }),
    );

    it(
      'tells a verify walk how far it got every 1,000 events',
      withStore(async (store) => {
        await Promise.all(Array.from({ length: 2_500 }, (_, i) => store.audit.append(event({ id: `aud_${i}` }))));
        const heard: number[] = [];
        expect(await store.audit.verify(undefined, (n) => heard.push(n))).toMatchObject({ ok: true, count: 2_500 });
        expect(heard).toEqual([1_000, 2_000]);
      }),
    );

    it(
      'stores and verifies audit data holding values JSON writes as something else (a Date, toJSON, a function)',
      withStore(async (store) => {
        // A library user's own audit data may hold these; the log must keep what JSON keeps and
        // the chain must verify over it, not raise a false tamper alarm (both stores).
        const at = new Date('2026-06-01T00:00:00.000Z');
        const data = {
          at,
          money: { toJSON: () => '12.50 EUR' },
          // JSON's own turns (review): a toJSON giving undefined drops its key, toJSON gets the
          // key, and a toJSON's result is not asked for its own toJSON again.
          dropped: { toJSON: () => undefined },
          keyed: { toJSON: (key: string) => `at ${key}` },
          nested: { toJSON: () => ({ toJSON: () => 'inner', plain: 1 }) },
          boxed: [new String('s'), new Number(2), new Boolean(false)],
          skipped: () => 1,
          list: [() => 1, undefined, Symbol('s')],
          deep: { when: at, gone: undefined },
        };
        await store.audit.append(event({ id: 'aud_json', data }));
        expect((await store.audit.get('aud_json'))?.data).toEqual(JSON.parse(JSON.stringify(data)));
        expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
      }),
    );

    it(
      'answers ping while open and reports unavailable once closed',
      withStore(async (store) => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.close();
        await expect(store.ping()).rejects.toMatchObject({ code: 'unavailable' });
        await expect(store.audit.append(event({ id: 'aud_late' }))).rejects.toMatchObject({ code: 'unavailable' });
      }),
    );
  });
}

export function event(over: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    id: 'aud_x',
    time: '2026-06-01T00:00:00.000Z',
    kind: 'tool_call',
    requestId: 'req_1',
    callId: 'call_1',
    surface: 'internal',
    client: 'test',
    actor: 'alice',
    tenant: 't1',
    tool: 'get_x_y',
    decision: 'allow',
    reason: 'scopes ok',
    outcome: 'ok',
    errorCode: null,
    inputSummary: '{}',
    outputSummary: '{}',
    resultBytes: 2,
    resultTokens: 1,
    sourceIds: ['src_1'],
    latencyMs: 3,
    data: { k: 'v' },
    ...over,
  };
}

/** 2026-06-01 at 00:mm. */
const at = (m: number) => `2026-06-01T00:${String(m).padStart(2, '0')}:00.000Z`;

export function draft(id: string): DraftRecord {
  return {
    id,
    tool: 'create_refund_draft',
    tenant: 't1',
    requester: 'alice',
    client: 'app',
    risk: 'high',
    input: '{}',
    preview: '{}',
    draftHash: 'h',
    status: 'awaiting_approval',
    createdAt: '2026-06-01T00:00:00.000Z',
    expiresAt: '2026-06-02T00:00:00.000Z',
    updatedAt: '2026-06-01T00:00:00.000Z',
    version: 1,
    state: '{}',
  };
}
