import type { Logger } from 'pino';

/** Reports one kind of failure that may repeat on every request; see createRepeatingFailureLog. */
export interface RepeatingFailureLog {
  failed(error: unknown, fields?: Record<string, unknown>): void;
  /** The operation worked: ends a failing spell (logged once), nothing otherwise. */
  succeeded(): void;
}

/**
 * Logs a failure that can happen on every request (the audit store is down, locked or full)
 * when it starts, then at most once per `everyMs` with how many more there were, and once when
 * it ends. An error with its stack per call (~2 KB) at a thousand calls a second is megabytes of
 * the same line a minute, often onto the disk that just filled up; the operator needs to know it
 * started, that it goes on, and that it stopped.
 */
export function createRepeatingFailureLog(
  logger: Logger,
  message: string,
  options: { readonly everyMs?: number; readonly now?: () => number } = {},
): RepeatingFailureLog {
  const everyMs = options.everyMs ?? 10_000;
  const now = options.now ?? Date.now;
  let failing = false;
  let since = 0;
  let unreported = 0;
  let total = 0;
  let reportedAt = 0;
  return {
    failed(error, fields = {}) {
      const at = now();
      total += 1;
      if (!failing) {
        failing = true;
        since = at;
        total = 1;
      } else if (at - reportedAt < everyMs) {
        unreported += 1;
        return;
      }
      reportedAt = at;
      const repeats = unreported;
      unreported = 0;
      logger.error(
        { ...fields, err: error, failures: total },
        total === 1 ? message : `${message} (still failing: ${repeats} more since the last report)`,
      );
    },
    succeeded() {
      if (!failing) return;
      failing = false;
      logger.warn({ failures: total, failingMs: now() - since }, `${message}: recovered`);
      unreported = 0;
    },
  };
}
