import { pino, type Logger } from 'pino';
import type { AuditAnchor } from '../audit/event.js';
import type { AuditLog } from '../store/types.js';
import { startPeriodic } from './periodic.js';

/** How often a serving gateway logs the chain's head, when it has moved. */
export const AUDIT_CHECKPOINT_MS = 60_000;

/**
 * The logger anchors are written with: at `warn`, `error` or `fatal` (a common production
 * setting) no `audit checkpoint` line was written at all, and with it no anchor (outside probe),
 * so there the lines go out at `info` all the same. `silent` means no log: none then.
 */
export function anchorLogger(logger: Logger): Logger {
  // By value, not name: a custom level above info (`notice: 35`) wrote none either (review).
  const silent = logger.levelVal === Infinity;
  return !silent && logger.levelVal > pino.levels.values.info! ? logger.child({}, { level: 'info' }) : logger;
}

interface CheckpointLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

const text = (anchor: AuditAnchor) => `${anchor.seq}:${anchor.hash}`;

/**
 * Logs the audit chain's head (`audit checkpoint`, with `anchor: "SEQ:HASH"`) at start, every
 * `everyMs` while it moves, and at stop. The chain cannot show that its newest events were
 * removed with the head row moved back (nor, without the key, that it was recomputed): both
 * leave a consistent chain. A log line shipped off the machine is an anchor those writers cannot
 * reach; `toolgate audit verify --anchor SEQ:HASH` checks the log still holds it. A head that
 * moves back, or changes under the same seq, or moves on from a log that no longer holds the last
 * anchor's event (a tail cut, then appended to within the minute: found in review) is that
 * tampering seen while this gateway runs, so it is logged as an error naming the last anchor.
 */
export function startAuditCheckpoints(
  audit: Pick<AuditLog, 'chainHead' | 'query'>,
  logger: CheckpointLogger,
  everyMs = AUDIT_CHECKPOINT_MS,
  /** An anchor from before this gateway started (TOOLGATE_AUDIT_ANCHOR): checked at the first checkpoint. */
  since?: AuditAnchor,
): { stop(options?: { final: boolean }): Promise<void> } {
  let last: AuditAnchor | null = since ?? null;
  // Until the first checkpoint, `last` is the operator's anchor, taken before this gateway started.
  let when = since ? 'since the anchor in TOOLGATE_AUDIT_ANCHOR was taken' : 'while the gateway ran';
  const checkpoint = async () => {
    const head = await audit.chainHead();
    if (!head && last) {
      logger.error(
        { anchor: text(last) },
        `the audit log is empty, but it held event ${last.seq} ${when}: events were removed; ` +
          `run toolgate audit verify --anchor ${text(last)}`,
      );
      last = null;
      return;
    }
    if (!head || (last && head.seq === last.seq && head.hash === last.hash)) return;
    if (last && head.seq <= last.seq) {
      logger.error(
        { anchor: text(last), head: text(head) },
        `the audit head moved back from ${last.seq} to ${head.seq} ${when}: events were removed or rewritten; ` +
          `run toolgate audit verify --anchor ${text(last)}`,
      );
    } else if (last) {
      // Moved on: one indexed read says whether it moved on from the event the last line named.
      const [then] = await audit.query({ afterSeq: last.seq - 1, limit: 1 });
      if (then?.seq !== last.seq || then.hash !== last.hash)
        logger.error(
          { anchor: text(last), head: text(head) },
          `the audit log no longer holds event ${last.seq} as the last checkpoint named it: events were removed or rewritten ` +
            `${when}; run toolgate audit verify --anchor ${text(last)}`,
        );
    }
    when = 'while the gateway ran';
    last = head;
    logger.info({ anchor: text(head) }, 'audit checkpoint');
  };
  const periodic = startPeriodic(
    checkpoint,
    (err) => logger.warn({ err }, 'could not read the audit head for a checkpoint'),
    everyMs,
  );
  void periodic.runNow();
  return {
    /** With `final` (the default), logs the head as this gateway leaves it. */
    async stop({ final } = { final: true }) {
      await periodic.stop();
      if (final) await periodic.runNow();
    },
  };
}
