/**
 * SIGINT and SIGTERM noted rather than obeyed while a command does work it must not be cut off in
 * (a staged file between its write and its rename, an export's anchor line): the command looks at
 * `received()` where stopping is safe, and ends cleanly.
 *
 * A second signal is obeyed at once when `obeySecond` is set: whatever the first is waiting on,
 * the user asked twice. `backup` and `restore` hold it too: their copy blocks the thread, so both
 * signals arrive together once it returns, and obeying the second would skip the clean-up the
 * first asked for (or, in `restore`, cut it between two renames).
 */
export interface HeldSignals {
  /** The first signal that came, or null. */
  received(): NodeJS.Signals | null;
  /** Resolves after `ms`, or as soon as a signal comes (at once if one came). */
  orTimeout(ms: number): Promise<void>;
  /** Resolves when a signal comes (at once if one came). */
  next(): Promise<void>;
  /** Signals are the process's again. */
  release(): void;
}

export function holdSignals(options: { obeySecond: boolean }): HeldSignals {
  let received: NodeJS.Signals | null = null;
  const waiting = new Set<() => void>();
  const release = () => {
    process.off('SIGINT', note);
    process.off('SIGTERM', note);
  };
  function note(signal: NodeJS.Signals) {
    if (received) {
      if (!options.obeySecond) return;
      release();
      process.kill(process.pid, signal);
      return;
    }
    received = signal;
    for (const wake of waiting) wake();
  }
  process.on('SIGINT', note);
  process.on('SIGTERM', note);
  const signalOr = (ms: number | null) =>
    new Promise<void>((resolve) => {
      if (received) return resolve();
      const timer = ms === null ? undefined : setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        waiting.delete(done);
        resolve();
      }
      waiting.add(done);
    });
  return {
    received: () => received,
    orTimeout: (ms) => signalOr(ms),
    next: () => signalOr(null),
    release,
  };
}

/**
 * Resolves once signals that arrived while the thread was blocked (a copy step, an fsync) have
 * reached their listeners. libuv hands a signal to JavaScript when the event loop polls; one
 * setImmediate can run before the next poll, two cannot.
 */
export async function signalsDelivered(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((next) => setImmediate(next));
}
