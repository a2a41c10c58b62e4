import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventInput } from '../../src/audit/event.js';
import { GENESIS_HASH, hashEvent } from '../../src/audit/chain.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { findPostgresBin, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres.js';

/**
 * Issue #12: audit events gain subject, issuer and OAuth client id (migration 3). Events written
 * before keep their hashes and still verify; the new fields are covered by the chain for new events.
 */
const before: AuditEventInput = {
  id: 'aud_golden_1',
  time: '2026-11-01T00:00:00.000Z',
  kind: 'tool_call',
  requestId: 'req_1',
  callId: 'call_1',
  surface: 'mcp_http',
  client: 'claude_code',
  actor: 'usr_ada',
  tenant: 'acme',
  tool: 'get_customer_summary',
  decision: 'allow',
  reason: 'scopes billing:read granted',
  outcome: 'ok',
  errorCode: null,
  inputSummary: '{"customer_id":"cus_1"}',
  outputSummary: '{"ok":true}',
  resultBytes: 11,
  resultTokens: 3,
  sourceIds: ['cus_1'],
  latencyMs: 4,
  data: null,
};
/** This event's hash as the chain computed it before issue #12 (commit 2da5492), unkeyed and keyed. */
const GOLDEN = '35aa412175f58d3fe87f57858ffbcb5b589f599d6db285f2f6620038fefab745';
const GOLDEN_KEYED = 'c4fa9088a21abc15c76838ab037f6af3d9c315e025d7088d8f7990b0910ffcfd';

let dir: string;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('OAuth identity in the audit chain', () => {
  it('hashes an event without identity fields exactly as before', () => {
    dir = mkdtempSync(join(tmpdir(), 'toolgate-audit-id-'));
    expect(hashEvent(before, 1, GENESIS_HASH)).toBe(GOLDEN);
    expect(hashEvent(before, 1, GENESIS_HASH, Buffer.from('k'.repeat(32)))).toBe(GOLDEN_KEYED);
    expect(hashEvent({ ...before, subject: 'alice' }, 1, GENESIS_HASH)).not.toBe(GOLDEN);
  });

  it('a database written before migration 3 migrates and verifies; new fields are sealed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolgate-audit-id-'));
    const path = join(dir, 'toolgate.db');
    // The database as a pre-#12 gateway left it: migrations 1–2 and one sealed event.
    const db = new Database(path);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, before.time);
    }
    db.prepare(
      `INSERT INTO audit_events VALUES (1, @id, @time, @kind, @requestId, @callId, @surface, @client, @actor, @tenant,
       @tool, @decision, @reason, @outcome, @errorCode, @inputSummary, @outputSummary, @resultBytes, @resultTokens,
       @sourceIds, @latencyMs, @data, @prevHash, @hash)`,
    ).run({ ...before, sourceIds: JSON.stringify(before.sourceIds), prevHash: GENESIS_HASH, hash: GOLDEN });
    db.prepare('INSERT INTO audit_head VALUES (1, 1, ?)').run(GOLDEN);
    db.close();

    store = await openSqliteStore({ path });
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 1 });
    const old = await store.audit.get('aud_golden_1');
    expect(old).not.toHaveProperty('subject');

    await store.audit.append({
      ...before,
      id: 'aud_oauth_2',
      actor: 'alice',
      subject: 'alice',
      issuer: 'https://idp.example.com',
      clientId: 'claude-ai',
    });
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 2 });
    expect(await store.audit.query({ subject: 'alice' })).toMatchObject([
      { id: 'aud_oauth_2', subject: 'alice', issuer: 'https://idp.example.com', clientId: 'claude-ai' },
    ]);
    await store.close();
    store = undefined;

    // Rewriting who a new event names, or pinning a subject on an old one, breaks the chain there.
    const raw = new Database(path);
    raw.prepare("UPDATE audit_events SET client_id = 'other-client' WHERE seq = 2").run();
    raw.close();
    store = await openSqliteStore({ path });
    expect(await store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 2, problem: 'hash_mismatch' });
    await store.close();
    store = undefined;
    const raw2 = new Database(path);
    raw2.prepare("UPDATE audit_events SET client_id = 'claude-ai' WHERE seq = 2").run();
    raw2.prepare("UPDATE audit_events SET subject = 'mallory' WHERE seq = 1").run();
    raw2.close();
    store = await openSqliteStore({ path });
    expect(await store.audit.verify()).toMatchObject({ ok: false, firstBadSeq: 1, problem: 'hash_mismatch' });
  });
});

const bin = findPostgresBin();
if (!bin)
  console.warn('\n⚠ SKIPPED PostgreSQL audit identity test: no PostgreSQL binaries under /usr/lib/postgresql\n');
let pgServer: ThrowawayPostgres | null = null;
beforeAll(async () => {
  if (bin) pgServer = await startThrowawayPostgres();
}, 60_000);
afterAll(() => pgServer?.stop());

describe.skipIf(!bin)('OAuth identity in the PostgreSQL audit', () => {
  it('stores, filters and seals subject, issuer and client id; events without them verify', async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolgate-audit-id-'));
    store = await openPostgresStore({ connectionString: await pgServer!.createDatabase() });
    await store.audit.append(before);
    await store.audit.append({ ...before, id: 'aud_pg_2', subject: 'alice', issuer: 'https://idp', clientId: 'c1' });
    expect(await store.audit.verify()).toMatchObject({ ok: true, count: 2 });
    expect(await store.audit.get('aud_golden_1')).not.toHaveProperty('subject');
    expect(await store.audit.query({ subject: 'alice' })).toMatchObject([
      { id: 'aud_pg_2', subject: 'alice', issuer: 'https://idp', clientId: 'c1' },
    ]);
  });
});
