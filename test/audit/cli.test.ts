import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAuditCommand } from '../../src/cli/audit.js';
import { runCli } from '../helpers/capture-io.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { event } from '../store/suite.js';

let path: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  const t = await tempSqliteStore();
  ({ path, cleanup } = t);
  for (let i = 1; i <= 30; i++) {
    await t.store.audit.append(
      event({
        id: `aud_${i}`,
        actor: i % 2 ? 'alice' : 'bob',
        tool: i % 3 ? 'get_customer_billing_summary' : 'search_support_ticket',
        tenant: 'acme',
        outcome: i % 5 ? 'ok' : 'denied',
        time: new Date(Date.UTC(2026, 5, 1, 0, i)).toISOString(),
        ...(i % 7 === 0 ? { subject: 'idp|carol', issuer: 'https://idp.example' } : {}),
      }),
    );
  }
  await t.store.close();
});
afterEach(async () => cleanup());

const cli = (...args: string[]) => runCli(runAuditCommand, args, { TOOLGATE_DB: path });
/** The output's lines, one per event. */
const linesOf = (out: string) => out.trim().split('\n');

describe('toolgate audit', () => {
  it('refuses a database that does not exist, and creates nothing there', async () => {
    const typo = join(path, '..', 'backups', 'toolgate.db');
    for (const sub of ['verify', 'tail', 'export']) {
      const r = await runCli(runAuditCommand, [sub, '--db', typo], {});
      expect(r.code).toBe(2);
      expect(r.err).toContain(`No Toolgate database at ${typo}`);
    }
    // Before, `verify` made an empty database there and reported "ok: 0 events, chain intact".
    expect(existsSync(join(path, '..', 'backups'))).toBe(false);
  });

  it('tail shows the newest events last, filtered', async () => {
    const r = await cli('tail', '--actor', 'bob', '--outcome', 'denied', '--limit', '2');
    expect(r.code).toBe(0);
    const lines = linesOf(r.out);
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['20', '30']);
    expect(lines.every((l) => l.includes('bob@acme') && l.includes('denied'))).toBe(true);
  });

  it('tail --subject lists the events of one IdP subject', async () => {
    const r = await cli('tail', '--subject', 'idp|carol');
    expect(r.code).toBe(0);
    expect(linesOf(r.out).map((l) => l.split('\t')[0])).toEqual(['7', '14', '21', '28']);
  });

  it('export --format jsonl writes every matching event as one JSON line, filtered by tool and time', async () => {
    const r = await cli(
      'export',
      '--format',
      'jsonl',
      '--tool',
      'search_support_ticket',
      '--since',
      '2026-06-01T00:10:00Z',
      '--until',
      '2026-06-01T00:20:00Z',
    );
    expect(r.code).toBe(0);
    const events = linesOf(r.out).map((l) => JSON.parse(l) as { id: string; tool: string; hash: string });
    expect(events.map((e) => e.id)).toEqual(['aud_12', 'aud_15', 'aud_18']);
    expect(events.every((e) => e.tool === 'search_support_ticket' && e.hash.length === 64)).toBe(true);
  });

  it('export --since EVENT_ID resumes after that event; an unknown id is a usage error', async () => {
    const r = await cli('export', '--since', 'aud_27');
    expect(r.code).toBe(0);
    expect(linesOf(r.out).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['aud_28', 'aud_29', 'aud_30']);
    const missing = await cli('export', '--since', 'aud_nope');
    expect(missing).toMatchObject({ code: 2, err: expect.stringMatching(/--since aud_nope: no such event/) });
  });

  it('export --out writes a file', async () => {
    const out = `${path}.jsonl`;
    const r = await cli('export', '--format', 'jsonl', '--out', out);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(30);
    expect(r.err).toContain('exported 30 events');
  });

  it.each([
    [['tail', '--since', 'yesterday'], /--since must be an ISO time/],
    [['tail', '--outcome', 'maybe'], /--outcome must be ok, denied or error/],
    [['tail', '--limit=0'], /--limit must be a positive integer/],
    [['export', '--format', 'csv'], /--format csv is not supported; jsonl is the only format/],
    [['tail', '--colour'], /Unknown option '--colour'/],
    [['rewrite'], /Unknown audit command "rewrite"/],
  ])('refuses %j with a clear message and exit code 2', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
