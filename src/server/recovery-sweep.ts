import { startPeriodic, type Periodic } from './periodic.js';

/** How often a server looks for drafts whose execution was interrupted (one small query). */
export const RECOVERY_SWEEP_MS = 30_000;

/**
 * Runs `settle` every `everyMs`, logging (not throwing) what fails. `stop` waits for a sweep in
 * flight: before, `close()` went on to close the store under it, and the sweep then failed on the
 * closed store and logged that after the server said it had stopped.
 */
export function startRecoverySweep(
  settle: () => Promise<void>,
  logger: { error(details: object, message: string): void },
  everyMs = RECOVERY_SWEEP_MS,
): Pick<Periodic, 'stop'> {
  return startPeriodic(settle, (err) => logger.error({ err }, 'could not look for interrupted drafts'), everyMs);
}
