/** Subscribers to one kind of notice; subscribing returns the way to unsubscribe. */
export interface Listeners<T> {
  subscribe(listener: (notice: T) => void): () => void;
  /** Tells every listener; one that throws is reported and skipped, never the emitter's problem. */
  emit(notice: T): void;
}

/**
 * A set of listeners that cannot break what emits to them. The emitters are a call that has
 * already been audited (its caller must still get the result) and the audit writer's reply
 * handler (where a throw would be an uncaught exception): a listener's bug must cost neither.
 * `report` hears each listener's first failure only, so a listener that throws on every call does
 * not flood the log at thousands of calls a second.
 */
export function createListeners<T>(report: (error: unknown) => void = warn): Listeners<T> {
  const listeners = new Set<(notice: T) => void>();
  const reported = new WeakSet<(notice: T) => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(notice) {
      for (const listener of listeners) {
        try {
          listener(notice);
        } catch (error) {
          if (reported.has(listener)) continue;
          reported.add(listener);
          report(error);
        }
      }
    },
  };
}

function warn(error: unknown): void {
  const said = error instanceof Error ? error.message : String(error);
  process.emitWarning(`a listener threw and was skipped (later failures of it are not reported): ${said}`, {
    code: 'TOOLGATE_LISTENER_FAILED',
  });
}
