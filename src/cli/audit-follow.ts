import { isConnectionLoss } from '../store/postgres/connection.js';
import type { CliIo } from './args.js';
import { whatWentWrong } from './failure-line.js';

/**
 * Runs a --follow loop's query; with `enabled` (following PostgreSQL), a failure that is a lost
 * connection (a restart, a failover: isConnectionLoss) is retried, backing off to 10 s, with one
 * line when the database goes and one when it is back, instead of ending the stream: a pipe into
 * a log shipper died at every failover (outside probe). Any other failure (permissions, a dropped
 * table) ends it as before: waiting on it would hide it forever (review). Null when the loop was
 * stopped (a signal) while waiting.
 */
export async function waitingOutOutages<T>(
  run: () => Promise<T>,
  retry: {
    readonly enabled: boolean;
    readonly label: string;
    readonly io: CliIo;
    pause(ms: number): Promise<unknown>;
    /** True once the loop should end (a signal came while it waited). */
    stopped?(): boolean;
  },
): Promise<T | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await run();
      if (attempt > 0) retry.io.stderr.write(`${retry.label}: the database is back\n`);
      return result;
    } catch (error) {
      if (!retry.enabled || !isConnectionLoss(error)) throw error;
      if (attempt === 0)
        retry.io.stderr.write(
          `${retry.label}: ${whatWentWrong(error)}; trying again until it is back (Ctrl-C stops)\n`,
        );
      await retry.pause(Math.min(10_000, 500 * 2 ** attempt));
      if (retry.stopped?.()) return null;
    }
  }
}
