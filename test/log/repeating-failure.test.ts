import { describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { createRepeatingFailureLog } from '../../src/log/repeating-failure.js';
import { agent, credentials, fixtureTools } from '../helpers/fixture-tools.js';
import { capturedLogger } from '../helpers/captured-logger.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

describe('a failure that repeats on every request', () => {
  it('is logged when it starts, then once per period with a count, and once when it ends', () => {
    const { logger, lines } = capturedLogger('info');
    let now = 1_000;
    const log = createRepeatingFailureLog(logger, 'audit write failed', { everyMs: 10_000, now: () => now });
    log.succeeded(); // nothing is failing: nothing to say
    for (let i = 0; i < 500; i++) log.failed(new Error('disk I/O error'), { auditId: `aud_${i}` });
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ level: 50, msg: 'audit write failed', failures: 1, auditId: 'aud_0' });
    expect(lines()[0]?.err?.message).toBe('disk I/O error');

    now += 10_000;
    log.failed(new Error('disk I/O error'), { auditId: 'aud_late' });
    expect(lines()).toHaveLength(2);
    expect(lines()[1]).toMatchObject({
      level: 50,
      msg: 'audit write failed (still failing: 499 more since the last report)',
      failures: 501,
      auditId: 'aud_late',
    });

    now += 2_000;
    log.succeeded();
    log.succeeded();
    expect(lines().slice(2)).toEqual([
      expect.objectContaining({ level: 40, msg: 'audit write failed: recovered', failures: 501 }),
    ]);

    log.failed(new Error('again'));
    expect(lines()[3]).toMatchObject({ level: 50, msg: 'audit write failed', failures: 1 });
  });
});

describe('a gateway whose audit store fails', () => {
  it('withholds every result but logs the failure once, not once per call, and says when it recovers', async () => {
    const { logger, lines } = capturedLogger('info');
    const { store, cleanup } = await tempSqliteStore();
    const append = store.audit.append.bind(store.audit);
    let down = true;
    store.audit.append = (event) =>
      down ? Promise.reject(new Error('SQLITE_FULL: database or disk is full')) : append(event);
    const gateway = createGateway({ tools: fixtureTools, store, credentials, logger });
    // What metrics and the request log hear: what the caller got, not the unwritten event's `ok`.
    const heard: string[] = [];
    gateway.onCall((event) => heard.push(`${event.outcome} ${event.errorCode}`));
    const call = (tool = 'get_customer_summary', args: object = { customer_id: 'cus_1' }) =>
      gateway.call({
        tool,
        args,
        principal: agent,
        client: 'c',
        surface: 'internal',
      });
    // Most of these are over the tool's rate limit: refused, and that refusal's audit fails too.
    const results = await Promise.all(Array.from({ length: 40 }, () => call()));
    expect(results.every((r) => !r.ok && r.error.code === 'unavailable')).toBe(true);
    const failures = lines().filter((l) => l.msg.startsWith('audit write failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.err?.message).toContain('SQLITE_FULL');
    expect(new Set(heard)).toEqual(new Set(['error unavailable']));

    down = false;
    expect((await call('get_support_ticket', { ticket_id: 'tkt_1' })).ok).toBe(true);
    expect(
      lines().filter((l) => l.msg === 'audit write failed (tool results are withheld until it works again): recovered'),
    ).toHaveLength(1);
    await cleanup();
  });
});

describe('a call listener that throws on every call', () => {
  it('is logged once; every call is still answered and the other listeners still hear each one', async () => {
    const { logger, lines } = capturedLogger('info');
    const { store, cleanup } = await tempSqliteStore();
    const gateway = createGateway({ tools: fixtureTools, store, credentials, logger });
    const heard: string[] = [];
    gateway.onCall(() => {
      throw new Error('a bug in a metrics hook');
    });
    gateway.onCall((event, result) => heard.push(`${event.tool} ${result.ok}`));
    for (let i = 0; i < 3; i++) {
      const r = await gateway.call({
        tool: 'get_support_ticket',
        args: { ticket_id: 'tkt_1' },
        principal: agent,
        client: 'c',
        surface: 'internal',
      });
      expect(r.ok).toBe(true); // before, the call rejected after its event was committed: the result was lost
    }
    expect(heard).toEqual(Array(3).fill('get_support_ticket true'));
    const logged = lines().filter((l) => l.msg.startsWith('a call listener threw'));
    expect(logged).toHaveLength(1);
    expect(logged[0]?.err?.message).toBe('a bug in a metrics hook');
    await cleanup();
  });
});
