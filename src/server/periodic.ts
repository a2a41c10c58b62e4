/** A job a server runs every so often for as long as it serves. */
export interface Periodic {
  /** Runs the job now (unless a run is in flight), as the timer would. */
  runNow(): Promise<void>;
  /** No more runs; resolves once the one running (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `job` every `everyMs`, never two at once, handing what fails to `failed` (a log line, not
 * a throw). `stop` waits for a run in flight, so the store a job uses is not closed under it.
 */
export function startPeriodic(job: () => Promise<void>, failed: (err: unknown) => void, everyMs: number): Periodic {
  let running: Promise<void> | null = null;
  const runNow = () =>
    (running ??= job()
      .catch(failed)
      .finally(() => (running = null)));
  const timer = setInterval(() => void runNow(), everyMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
