/** How often a server looks for drafts whose execution was interrupted (one small query). */
export const RECOVERY_SWEEP_MS = 30_000;

export interface RecoverySweep {
  /** No more sweeps; resolves once the one running (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `settle` every `everyMs`, never two at once, logging (not throwing) what fails. `stop`
 * waits for a sweep in flight: before, `close()` went on to close the store under it, and the
 * sweep then failed on the closed store and logged that after the server said it had stopped.
 */
export function startRecoverySweep(
  settle: () => Promise<void>,
  logger: { error(details: object, message: string): void },
  everyMs = RECOVERY_SWEEP_MS,
): RecoverySweep {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    running ??= settle()
      .catch((err: unknown) => logger.error({ err }, 'could not look for interrupted drafts'))
      .finally(() => (running = null));
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
