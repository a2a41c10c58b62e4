import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuditAnchor, AuditEvent } from '../../src/audit/event.js';
import { anchorLogger, startAuditCheckpoints } from '../../src/server/audit-checkpoint.js';
import { startServer } from '../../src/server/start-server.js';
import { runAuditCommand } from '../../src/cli/audit.js';
import { capturedLogger } from '../helpers/captured-logger.js';
import { runCli } from '../helpers/capture-io.js';
import { event } from '../store/suite.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hash = (c: string) => c.repeat(64);

/**
 * A head the test moves by hand, read as the store's chainHead() would be; the log holds each head
 * it was moved to (as an append would leave it) unless `rewrite` replaces an event.
 */
function movableHead(first: AuditAnchor | null) {
  let head = first;
  let failing = false;
  const events = new Map<number, string>(first ? [[first.seq, first.hash]] : []);
  return {
    audit: {
      chainHead: async () => {
        if (failing) throw new Error('database is down');
        return head;
      },
      query: async ({ afterSeq = 0 }: { afterSeq?: number }) => {
        const seq = [...events.keys()].sort((a, b) => a - b).find((s) => s > afterSeq);
        return seq === undefined ? [] : [{ seq, hash: events.get(seq)! } as AuditEvent];
      },
    },
    move: (next: AuditAnchor | null) => {
      head = next;
      if (next) events.set(next.seq, next.hash);
    },
    rewrite: (seq: number, hash: string) => events.set(seq, hash),
    fail: (on: boolean) => (failing = on),
  };
}

describe('audit checkpoints', () => {
  it('logs the head at start, again only when it moved, and at stop', async () => {
    const { logger, lines } = capturedLogger();
    const store = movableHead({ seq: 3, hash: hash('a') });
    const checkpoints = startAuditCheckpoints(store.audit, logger, 10);
    await wait(50); // several ticks on an unmoved head
    store.move({ seq: 7, hash: hash('b') });
    await wait(30);
    store.move({ seq: 9, hash: hash('c') });
    await checkpoints.stop();
    await wait(30);
    const anchors = lines()
      .filter((l) => l.msg === 'audit checkpoint')
      .map((l) => l.anchor);
    expect(anchors).toEqual([`3:${hash('a')}`, `7:${hash('b')}`, `9:${hash('c')}`]);
  });

  describe('with the anchor the last gateway left (TOOLGATE_AUDIT_ANCHOR)', () => {
    // Outside probe: a tail cut while no gateway ran went unseen at the next start.
    const started = async (store: ReturnType<typeof movableHead>, since: AuditAnchor) => {
      const { logger, lines } = capturedLogger();
      const checkpoints = startAuditCheckpoints(store.audit, logger, 1_000, since);
      await wait(30);
      await checkpoints.stop({ final: false });
      return lines().filter((l) => l.level === 50);
    };

    it('is an error at start when the log was cut back past it while stopped', async () => {
      const store = movableHead({ seq: 3, hash: hash('a') });
      const [error] = await started(store, { seq: 5, hash: hash('e') });
      expect(error!.msg).toBe(
        `the audit head moved back from 5 to 3 since the anchor in TOOLGATE_AUDIT_ANCHOR was taken: ` +
          `events were removed or rewritten; run toolgate audit verify --anchor 5:${hash('e')}`,
      );
    });

    it('is an error at start when its event was rewritten, and when the log is empty', async () => {
      const store = movableHead({ seq: 5, hash: hash('x') });
      store.move({ seq: 8, hash: hash('y') });
      const [rewritten] = await started(store, { seq: 5, hash: hash('e') });
      expect(rewritten!.msg).toMatch(
        /^the audit log no longer holds event 5 .* since the anchor in TOOLGATE_AUDIT_ANCHOR/,
      );
      const [emptied] = await started(movableHead(null), { seq: 5, hash: hash('e') });
      expect(emptied!.msg).toMatch(/^the audit log is empty, but it held event 5 since the anchor/);
    });

    it('says nothing wrong when the log still holds it, moved on or not', async () => {
      const store = movableHead({ seq: 5, hash: hash('e') });
      expect(await started(store, { seq: 5, hash: hash('e') })).toEqual([]);
      store.move({ seq: 9, hash: hash('f') });
      expect(await started(store, { seq: 5, hash: hash('e') })).toEqual([]);
    });
  });

  it('writes its anchors at warn too (a common production level), and none when silent', async () => {
    // Outside probe: at TOOLGATE_LOG_LEVEL=warn, serve wrote no checkpoint at all, at start or stop.
    for (const [level, expected] of [
      ['warn', 1],
      ['error', 1],
      ['silent', 0],
    ] as const) {
      const { logger, lines } = capturedLogger(level);
      const { audit } = movableHead({ seq: 3, hash: hash('a') });
      const checkpoints = startAuditCheckpoints(audit, anchorLogger(logger), 5);
      await wait(30);
      await checkpoints.stop();
      expect(lines().filter((l) => l.msg === 'audit checkpoint')).toHaveLength(expected);
      logger.warn({}, 'still warns');
      expect(lines().some((l) => l.msg === 'still warns')).toBe(level !== 'error' && level !== 'silent');
    }
  });

  it('writes its anchors at a custom level above info too (judged by value, not by name)', async () => {
    const chunks: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (chunks.push(chunk.toString()), done()) });
    const logger = pino({ customLevels: { notice: 35 }, level: 'notice' }, sink) as unknown as Logger;
    const { audit } = movableHead({ seq: 3, hash: hash('a') });
    const checkpoints = startAuditCheckpoints(audit, anchorLogger(logger), 5);
    await wait(30);
    await checkpoints.stop();
    expect(chunks.join('')).toContain('"msg":"audit checkpoint"');
  });

  it('serve writes its anchors at TOOLGATE_LOG_LEVEL=warn (the logger it is given)', async () => {
    const { logger, lines } = capturedLogger('warn');
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-anchor-'));
    try {
      const server = await startServer({ tools: [] }, { PORT: '0', TOOLGATE_DB: join(dir, 'a.db') }, logger);
      await server.gateway.runtime.store.audit.append(event({ id: 'aud_1' }));
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(lines().filter((l) => l.msg === 'audit checkpoint')).toHaveLength(1); // at stop
  });

  it('serve reads TOOLGATE_AUDIT_ANCHOR: a log that no longer holds it is an error at start; a malformed one stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-anchor-'));
    const { logger, lines } = capturedLogger('info');
    try {
      const env = { PORT: '0', TOOLGATE_DB: join(dir, 'a.db') };
      await expect(startServer({ tools: [] }, { ...env, TOOLGATE_AUDIT_ANCHOR: '12' }, logger)).rejects.toThrow(
        /^TOOLGATE_AUDIT_ANCHOR wants SEQ:HASH/,
      );
      const server = await startServer({ tools: [] }, { ...env, TOOLGATE_AUDIT_ANCHOR: `7:${hash('d')}` }, logger);
      await wait(50);
      await server.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(
      lines()
        .filter((l) => l.level === 50)
        .map((l) => l.msg),
    ).toEqual([
      `the audit log is empty, but it held event 7 since the anchor in TOOLGATE_AUDIT_ANCHOR was taken: events were removed; run toolgate audit verify --anchor 7:${hash('d')}`,
    ]);
  });

  it('says nothing for an empty log, and nothing at a stop that is not final', async () => {
    const { logger, lines } = capturedLogger();
    const store = movableHead(null);
    const checkpoints = startAuditCheckpoints(store.audit, logger, 10);
    await wait(30);
    store.move({ seq: 1, hash: hash('d') });
    await checkpoints.stop({ final: false });
    expect(lines()).toEqual([]);
  });

  it('a head that moves back, or changes under its seq, is an error naming the last anchor', async () => {
    const { logger, lines } = capturedLogger();
    const store = movableHead({ seq: 10, hash: hash('a') });
    const checkpoints = startAuditCheckpoints(store.audit, logger, 10);
    await wait(30);
    store.move({ seq: 8, hash: hash('b') }); // the newest events removed, the head row moved back
    await wait(30);
    store.move({ seq: 8, hash: hash('c') }); // the same seq, another event: rewritten
    await wait(30);
    await checkpoints.stop();
    const errors = lines().filter((l) => l.level === 50);
    expect(errors.map((l) => [l.anchor, l.head])).toEqual([
      [`10:${hash('a')}`, `8:${hash('b')}`],
      [`8:${hash('b')}`, `8:${hash('c')}`],
    ]);
    expect(errors[0]!.msg).toContain(`moved back from 10 to 8`);
    expect(errors[0]!.msg).toContain(`toolgate audit verify --anchor 10:${hash('a')}`);
  });

  it('a tail cut and appended to within the minute is an error too: the last anchor is gone', async () => {
    const { logger, lines } = capturedLogger();
    const store = movableHead({ seq: 10, hash: hash('a') });
    const checkpoints = startAuditCheckpoints(store.audit, logger, 10);
    await wait(30);
    store.rewrite(10, hash('x')); // events 9–10 removed, new ones appended past 10
    store.move({ seq: 12, hash: hash('b') });
    await wait(30);
    store.move({ seq: 13, hash: hash('c') }); // moving on from a log that holds 12: no error
    await wait(30);
    await checkpoints.stop();
    const errors = lines().filter((l) => l.level === 50);
    expect(errors.map((l) => [l.anchor, l.head])).toEqual([[`10:${hash('a')}`, `12:${hash('b')}`]]);
    expect(errors[0]!.msg).toContain('no longer holds event 10');
  });

  it('a head it cannot read is a warning, and checkpoints go on once it can', async () => {
    const { logger, lines } = capturedLogger();
    const store = movableHead({ seq: 1, hash: hash('a') });
    store.fail(true);
    const checkpoints = startAuditCheckpoints(store.audit, logger, 10);
    await wait(30);
    store.fail(false);
    await wait(30);
    await checkpoints.stop();
    expect(lines().some((l) => l.level === 40 && l.err?.message === 'database is down')).toBe(true);
    expect(
      lines()
        .filter((l) => l.msg === 'audit checkpoint')
        .map((l) => l.anchor),
    ).toEqual([`1:${hash('a')}`]);
  });

  it('a serving gateway logs an anchor that `audit verify --anchor` accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-checkpoint-'));
    const path = join(dir, 'toolgate.db');
    const { logger, lines } = capturedLogger('info');
    const server = await startServer({ tools: [] }, { PORT: '0', TOOLGATE_DB: path }, logger);
    await server.gateway.runtime.store.audit.append(event({ id: 'aud_checkpoint_1' }));
    await server.close();
    const anchor = lines().findLast((l) => l.msg === 'audit checkpoint')?.anchor;
    expect(anchor).toMatch(/^1:[0-9a-f]{64}$/);
    expect(await runCli(runAuditCommand, ['verify', '--db', path, '--anchor', String(anchor)])).toMatchObject({
      code: 0,
      out: expect.stringContaining('anchor 1 holds'),
    });
    rmSync(dir, { recursive: true, force: true });
  });
});
