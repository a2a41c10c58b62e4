import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApprovalsCommand } from '../../src/cli/approvals.js';
import { runCli } from '../helpers/capture-io.js';
import { listToolsOn } from '../helpers/json-rpc-body.js';
import { startFakeRefundApi, type FakeRefundApi } from '../helpers/fake-refund-api.js';
import { startTestServer } from '../helpers/http-server.js';
import { draft } from '../store/suite.js';
import { approver, refundAction, refundCredentials, requester, statusTool } from '../helpers/refund-action.js';

const MODEL_TOKEN = 'model-client-token-0123456789';
const APPROVER_TOKEN = 'approver-token-0123456789abcd';
let api: FakeRefundApi;
let server: Awaited<ReturnType<typeof startTestServer>>;
let model: Client;

beforeAll(async () => {
  api = await startFakeRefundApi();
  server = await startTestServer({
    tools: [refundAction(api.url), statusTool],
    credentials: refundCredentials,
    server: {
      tokens: [
        { token: MODEL_TOKEN, principal: requester, client: 'support_app' },
        { token: APPROVER_TOKEN, principal: approver(), client: 'console', canApprove: true },
      ],
    },
  });
  model = new Client({ name: 'model', version: '1.0.0' });
  await model.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${MODEL_TOKEN}` } },
    }),
  );
});
afterAll(async () => {
  await model.close();
  await server.stop();
  await api.close();
});

const draftViaMcp = async () => {
  const r = await model.callTool({
    name: 'create_refund_draft',
    arguments: { invoice_id: 'inv_789', amount_usd: 30, reason: 'double charge' },
  });
  return (r.structuredContent as { draft_id: string }).draft_id;
};
const apiCall = (path: string, token: string, body?: unknown) =>
  fetch(`${server.url}/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('approvals REST API', () => {
  it('an approver lists, reviews and approves a draft the model created; it executes once and verifies', async () => {
    const id = await draftViaMcp();
    const list = (await (await apiCall('/drafts?status=awaiting_approval', APPROVER_TOKEN)).json()) as {
      drafts: { id: string; draft_hash: string }[];
    };
    const seen = list.drafts.find((d) => d.id === id)!;
    expect(seen).toBeDefined();
    const res = await apiCall(`/drafts/${id}/approve`, APPROVER_TOKEN, {
      reason: 'invoice checked',
      draft_hash: seen.draft_hash,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id,
      status: 'verified',
      approvals: [{ approver: 'usr_lead', reason: 'invoice checked' }],
    });
    expect(api.createRequests).toHaveLength(1);
    const status = await model.callTool({ name: 'get_action_status', arguments: { draft_id: id } });
    expect(status.structuredContent).toMatchObject({ status: 'verified', verified: true });
  });

  it('a model-client token can never approve, and an approver token cannot drive /mcp', async () => {
    const id = await draftViaMcp();
    const byModel = await apiCall(`/drafts/${id}/approve`, MODEL_TOKEN, { reason: 'I approve myself' });
    expect(byModel.status).toBe(403);
    const noToken = await fetch(`${server.url}/api/drafts`);
    expect(noToken.status).toBe(401);
    const approverOnMcp = await listToolsOn(`${server.url}/mcp`, APPROVER_TOKEN);
    expect(approverOnMcp.status).toBe(403);
    // Each is audited (it was not): an approver token handed to a model client shows in the log.
    const denied = await server.store.audit.query({ kind: 'auth.denied', outcome: 'denied' });
    expect(denied.filter((e) => e.errorCode === 'forbidden').map((e) => [e.actor, e.surface, e.client])).toEqual(
      expect.arrayContaining([
        ['usr_agent', 'api', 'support_app'],
        ['usr_lead', 'mcp_http', 'console'],
      ]),
    );
  });

  it('an approver token on /mcp is audited on the SDK path too (TOOLGATE_FAST_PATH=off)', async () => {
    const sdkOnly = await startTestServer(
      {
        tools: [refundAction(api.url), statusTool],
        credentials: refundCredentials,
        server: { tokens: [{ token: APPROVER_TOKEN, principal: approver(), client: 'console', canApprove: true }] },
      },
      { TOOLGATE_FAST_PATH: 'off' },
    );
    try {
      const res = await listToolsOn(`${sdkOnly.url}/mcp`, APPROVER_TOKEN);
      expect(res.status).toBe(403);
      const [event] = await sdkOnly.store.audit.query({ kind: 'auth.denied' });
      expect(event).toMatchObject({ actor: 'usr_lead', surface: 'mcp_http', errorCode: 'forbidden' });
      expect(event?.reason).toMatch(/approver credential was used on \/mcp/);
    } finally {
      await sdkOnly.stop();
    }
  });

  it('refuses bad decisions with typed errors: missing reason, stale hash', async () => {
    const id = await draftViaMcp();
    expect((await apiCall(`/drafts/${id}/approve`, APPROVER_TOKEN, {})).status).toBe(400);
    const stale = await apiCall(`/drafts/${id}/approve`, APPROVER_TOKEN, {
      reason: 'looks fine',
      draft_hash: '0'.repeat(64),
    });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: 'conflict', retryable: false }); // retryable, as MCP errors carry it
    const rejected = await apiCall(`/drafts/${id}/reject`, APPROVER_TOKEN, { reason: 'not a duplicate' });
    expect(await rejected.json()).toMatchObject({ status: 'rejected', rejection: { by: 'usr_lead' } });
  });

  it('reverify: an unverified draft is verified again over REST and from the CLI; nothing is written', async () => {
    const unverified = async () => {
      const id = await draftViaMcp();
      await server.gateway.actions.approve(id, approver(), { reason: 'checked', surface: 'api' });
      // As if its verify could not check at the time: the refund is there, the draft says unverified.
      const row = (await server.store.drafts.get(id))!;
      await server.store.drafts.update(id, row.version, { status: 'unverified' }, new Date().toISOString());
      return id;
    };
    const posts = api.createRequests.length;
    const viaRest = await unverified();
    const res = await apiCall(`/drafts/${viaRest}/reverify`, APPROVER_TOKEN, { reason: 'payments API is back' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: viaRest, status: 'verified', verification: { ok: true } });
    const viaCli = await unverified();
    process.env.FAKE_REFUND_API_URL = api.url;
    const cli = await runCli(runApprovalsCommand, ['reverify', viaCli, '--as', 'usr_lead', '--reason', 'API is back'], {
      TOOLGATE_DB: `${server.dir}/toolgate.db`,
      TOOLGATE_CONFIG: fileURLToPath(new URL('./approvals.config.ts', import.meta.url)),
      FAKE_REFUND_API_URL: api.url,
    });
    expect(cli).toMatchObject({ code: 0, out: `${viaCli} is now verified\n` });
    expect(api.createRequests.length).toBe(posts + 2); // the two approvals' writes, and nothing else
  });

  it('refuses a draft_hash that is not a string (it skipped the check) and a reason over 2,000 characters', async () => {
    const id = await draftViaMcp();
    const numeric = await apiCall(`/drafts/${id}/approve`, APPROVER_TOKEN, { reason: 'hash num', draft_hash: 12345 });
    expect(numeric.status).toBe(400);
    expect(await numeric.json()).toMatchObject({ error: 'invalid_input', field: 'draft_hash' });
    const long = await apiCall(`/drafts/${id}/approve`, APPROVER_TOKEN, { reason: 'x'.repeat(2_001) });
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({ error: 'invalid_input', message: /at most 2000 characters/ });
    expect((await server.gateway.actions.get(id))?.status).toBe('awaiting_approval');
  });
});

describe('what a draft carries is shown to approvers, never acted on', () => {
  // A U+202E reverses the text after it (`acct_\u202e1234` reads `acct_4321`); an escape sequence
  // in a reason cleared the next approver's terminal (outside probe, 2026-12-07).
  const sneaky = 'double charge \u202e4321 \u001b[2J';

  it('REST: hidden characters escaped in the JSON text, the same value once parsed', async () => {
    const r = await model.callTool({
      name: 'create_refund_draft',
      arguments: { invoice_id: 'inv_789', amount_usd: 30, reason: sneaky },
    });
    const id = (r.structuredContent as { draft_id: string }).draft_id;
    const text = await (await apiCall(`/drafts/${id}`, APPROVER_TOKEN)).text();
    // eslint-disable-next-line no-control-regex -- finding them is the point
    expect(text).not.toMatch(/[\u202e\u001b]/);
    expect(text).toContain('\\u202e');
    expect((JSON.parse(text) as { input: { reason: string } }).input.reason).toBe(sneaky);
  });
});

describe('toolgate approvals (CLI)', () => {
  const cli = (...args: string[]) => {
    process.env.FAKE_REFUND_API_URL = api.url;
    return runCli(runApprovalsCommand, args, {
      TOOLGATE_DB: `${server.dir}/toolgate.db`,
      TOOLGATE_CONFIG: fileURLToPath(new URL('./approvals.config.ts', import.meta.url)),
      FAKE_REFUND_API_URL: api.url,
    });
  };

  it('warns of a TOOLGATE_AUDIT_KEY under 32 bytes, as serve and stdio do (it writes the log too)', async () => {
    // This log has no key, so the store then refuses to open under one: the warning comes first.
    let err = '';
    const stderr = new PassThrough().on('data', (chunk: Buffer) => (err += chunk.toString()));
    const env = {
      TOOLGATE_DB: `${server.dir}/toolgate.db`,
      TOOLGATE_CONFIG: fileURLToPath(new URL('./approvals.config.ts', import.meta.url)),
      TOOLGATE_AUDIT_KEY: 'x',
    };
    await runApprovalsCommand(['list'], { stdout: new PassThrough(), stderr, env }).catch(() => undefined);
    expect(err).toContain('warning: TOOLGATE_AUDIT_KEY is shorter than 32 bytes and can be guessed');
  });

  it('lists, shows and approves a draft from the terminal', async () => {
    const before = api.createRequests.length;
    const id = await draftViaMcp();
    const list = await cli('list');
    expect(list.out).toContain(id);
    const show = await cli('show', id, '--json');
    expect(JSON.parse(show.out)).toMatchObject({ id, status: 'awaiting_approval', preview: { refund_usd: 30 } });
    expect(await cli('approve', id, '--as', 'usr_nobody', '--reason', 'ok')).toMatchObject({ code: 2 });
    expect(await cli('approve', id, '--as', 'usr_lead')).toMatchObject({ code: 2 });
    const approved = await cli('approve', id, '--as', 'usr_lead', '--reason', 'checked in the billing system');
    expect(approved).toMatchObject({ code: 0, out: `${id} is now verified\n` });
    expect(api.createRequests.length).toBe(before + 1);
    const again = await cli('approve', id, '--as', 'usr_lead', '--reason', 'again');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^conflict: /);
  });

  /** `toolgate approvals` on this server's database, with a config of this folder. */
  const cliWithConfig =
    (config: string) =>
    (...args: string[]) =>
      runCli(runApprovalsCommand, args, {
        TOOLGATE_DB: `${server.dir}/toolgate.db`,
        TOOLGATE_CONFIG: fileURLToPath(new URL(config, import.meta.url)),
      });

  it('prints what a draft carries with hidden characters shown, not obeyed (input, reasons; text and --json)', async () => {
    const r = await model.callTool({
      name: 'create_refund_draft',
      arguments: { invoice_id: 'inv_789', amount_usd: 30, reason: 'refund \u202e4321' },
    });
    const id = (r.structuredContent as { draft_id: string }).draft_id;
    // A CR LF would end the line and print a forged one below it.
    const reason = 'fine \u001b[2J\u001b]0;title\u0007 ALL CLEAR\r\nFORGED 2026-12-07 usr_lead_grace approve';
    await server.gateway.actions.approve(id, approver(), { reason, surface: 'cli' });
    const shown = await cli('show', id);
    expect(shown.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- finding them is the point
    expect(shown.out).not.toMatch(/[\u202e\u001b\u0007]/);
    expect(shown.out).toContain('refund \\u202e4321');
    expect(shown.out).toContain(
      'usr_lead (fine [U+001B][2J[U+001B]]0;title[U+0007] ALL CLEAR[U+000D][U+000A]FORGED 2026-12-07 usr_lead_grace approve)',
    );
    expect(shown.out).not.toMatch(/\r/);
    expect(shown.out.split('\n').filter((line) => line.startsWith('FORGED'))).toEqual([]);
    const json = await cli('show', id, '--json');
    // eslint-disable-next-line no-control-regex -- finding them is the point
    expect(json.out).not.toMatch(/[\u202e\u001b\u0007]/);
    expect(JSON.parse(json.out)).toMatchObject({ input: { reason: 'refund \u202e4321' } });
  });

  it('refuses to approve where the write cannot run: its credential has no value in this environment', async () => {
    const id = await draftViaMcp();
    const before = api.createRequests.length;
    const withEnvCredentials = cliWithConfig('./approvals-env.config.ts');
    delete process.env.TEST_REFUNDS_WRITE_TOKEN;
    // Before: "is now unresolved", exit 0, the draft left for an operator although nothing ran.
    const refused = await withEnvCredentials('approve', id, '--as', 'usr_lead', '--reason', 'checked it');
    expect(refused).toMatchObject({
      code: 2,
      err: /needs credential refunds_write \(set TEST_REFUNDS_WRITE_TOKEN\), which has no value/,
    });
    expect(api.createRequests.length).toBe(before);
    expect(JSON.parse((await cli('show', id, '--json')).out)).toMatchObject({ status: 'awaiting_approval' });
    process.env.TEST_REFUNDS_WRITE_TOKEN = 'refunds-write-token-123456';
    try {
      const approved = await withEnvCredentials('approve', id, '--as', 'usr_lead', '--reason', 'checked it');
      expect(approved).toMatchObject({ code: 0, out: `${id} is now verified\n` });
      // Decided, but the write did not land: the status says so, and so does the exit code.
      const lost = await draftViaMcp();
      api.loseRefunds = true;
      const notLanded = await withEnvCredentials('approve', lost, '--as', 'usr_lead', '--reason', 'checked it');
      api.loseRefunds = false;
      expect(notLanded).toMatchObject({ code: 1, out: expect.stringMatching(/is now (unverified|unresolved)/) });
    } finally {
      delete process.env.TEST_REFUNDS_WRITE_TOKEN;
    }
  });

  it('says whose tenant a draft is in, and takes ACTOR@TENANT where one actor id approves in two tenants', async () => {
    const id = await draftViaMcp(); // in acme
    const tenants = cliWithConfig('./approvals-tenants.config.ts');
    expect((await tenants('list')).out).toMatch(new RegExp(`^${id}\tawaiting_approval\t.*\tusr_agent@acme\t`, 'm'));
    expect((await tenants('show', id)).out).toContain('requested by usr_agent@acme via ');
    // The first match was taken before: beta's usr_lead could not decide from here at all.
    const ambiguous = await tenants('reject', id, '--as', 'usr_lead', '--reason', 'which one?');
    expect(ambiguous).toMatchObject({
      code: 2,
      err: expect.stringContaining(
        '--as usr_lead is an approver in several tenants; name one: usr_lead@acme, usr_lead@beta.',
      ),
    });
    // A wrong one is answered with the names --as takes (it listed "usr_lead, usr_lead").
    expect(await tenants('reject', id, '--as', 'usr_lead@gamma', '--reason', 'no such')).toMatchObject({
      code: 2,
      err: expect.stringContaining("--as must name one of the config's approvers (usr_lead@acme, usr_lead@beta)."),
    });
    // Beta's approver, without the write's credential here: not_found for acme's draft, as on
    // every route. It said "needs credential", which told beta the id exists.
    delete process.env.TEST_REFUNDS_WRITE_TOKEN;
    const foreign = await tenants('approve', id, '--as', 'usr_lead@beta', '--reason', 'not mine');
    expect(foreign).toMatchObject({ code: 1, err: expect.stringMatching(/^not_found: Draft \S+ was not found/) });
    const rejected = await tenants('reject', id, '--as', 'usr_lead@acme', '--reason', 'mine');
    expect(rejected).toMatchObject({ code: 0, out: `${id} is now rejected\n` });
  });

  it('an approval that is not the last one needed runs nothing, so it needs no credentials', async () => {
    const id = await draftViaMcp();
    const twoNeeded = cliWithConfig('./approvals-two.config.ts');
    delete process.env.TEST_REFUNDS_WRITE_TOKEN;
    const first = await twoNeeded('approve', id, '--as', 'usr_lead', '--reason', 'first look');
    expect(first).toMatchObject({ code: 0, out: `${id} is now awaiting_approval\n` });
    const last = await twoNeeded('approve', id, '--as', 'usr_second', '--reason', 'second look');
    expect(last).toMatchObject({ code: 2, err: /needs credential refunds_write/ });
  });

  it('refuses a status that does not exist and arguments it does not take, with exit 2', async () => {
    const bogus = await cli('list', '--status', 'bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.err).toContain('--status must be one of awaiting_approval, approved,');
    for (const args of [
      ['list', 'junk'],
      ['show', 'drf_1', 'extra'],
      ['approve', 'drf_1', 'drf_2', '--as', 'usr_lead', '--reason', 'two at once'],
    ]) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`Unexpected argument "${args[args[0] === 'list' ? 1 : 2]}"`);
    }
  });

  it('refuses a database that does not exist instead of creating an empty one', async () => {
    const typo = `${server.dir}/elsewhere/toolgate.db`;
    const list = await runCli(runApprovalsCommand, ['list'], {
      TOOLGATE_DB: typo,
      TOOLGATE_CONFIG: fileURLToPath(new URL('./approvals.config.ts', import.meta.url)),
    });
    expect(list).toMatchObject({ code: 2, out: '' });
    expect(list.err).toContain(`No Toolgate database at ${typo}`);
    // approvals has no --db option, so it must not tell the user to pass one.
    expect(list.err).not.toContain('--db');
    expect(list.err).toContain('Set TOOLGATE_DB');
    expect(existsSync(typo)).toBe(false);
  });

  it("leaves a database that is not Toolgate's as it was: exit 2, one line, no tables added", async () => {
    // A mistyped TOOLGATE_DB naming another application's file was migrated: nine tables and a
    // `-rates` file beside it, and "no drafts" with exit 0 (outside probe).
    const foreign = `${server.dir}/crm.db`;
    const other = new Database(foreign);
    other.exec('CREATE TABLE customers (id TEXT)');
    other.close();
    const empty = `${server.dir}/empty.db`;
    writeFileSync(empty, '');
    for (const database of [foreign, empty]) {
      const before = readFileSync(database);
      for (const args of [['list'], ['show', 'drf_x']]) {
        const r = await runCli(runApprovalsCommand, args, {
          TOOLGATE_DB: database,
          TOOLGATE_CONFIG: fileURLToPath(new URL('./approvals.config.ts', import.meta.url)),
        });
        expect(r).toMatchObject({ code: 2, out: '' });
        expect(r.err.trim().split('\n')).toHaveLength(1);
        expect(r.err).toMatch(/not a Toolgate one|no audit log/);
      }
      expect(readFileSync(database).equals(before)).toBe(true);
      expect(existsSync(`${database}-rates`)).toBe(false);
    }
  });

  it('lists every draft, a page at a time, newest or longest-waiting first, up to --limit', async () => {
    // It showed the newest 200 and said nothing of the rest (outside probe, 2026-12-07).
    const ids = Array.from({ length: 450 }, (_, i) => `drf_page_${String(i).padStart(3, '0')}`);
    for (const [i, id] of ids.entries())
      await server.store.drafts.create({
        ...draft(id),
        status: 'rejected',
        createdAt: new Date(Date.UTC(2020, 0, 1, 0, 0, i)).toISOString(),
      });
    const listed = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((line) => line.split('\t')[0]);
    expect(listed((await cli('list', '--status', 'rejected')).out).filter((id) => ids.includes(id!))).toEqual(
      [...ids].reverse(),
    );
    expect(listed((await cli('list', '--status', 'rejected', '--oldest', '--limit', '3')).out)).toEqual(
      ids.slice(0, 3),
    );
    const json = await cli('list', '--status', 'rejected', '--oldest', '--limit', '201', '--json');
    expect((JSON.parse(json.out) as { id: string }[]).map((d) => d.id)).toEqual(ids.slice(0, 201));
    for (const bad of ['0', '-1', '1.5', 'x'])
      expect(await cli('list', '--limit', bad)).toMatchObject({ code: 2, err: /--limit must be a positive integer/ });
  });
});
