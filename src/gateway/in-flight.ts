import type { Gateway } from './create-gateway.js';

/** A gateway whose calls are counted, and a way to wait until none is running. */
export interface TrackedGateway {
  readonly gateway: Gateway;
  /** Resolves once every call started so far has finished (and so has been audited). */
  settled(): Promise<void>;
}

/**
 * Counts the calls a surface makes, so a process that stops can let them finish before it closes
 * the store their audit events go to. `toolgate stdio` closed the store as soon as stdin ended or
 * SIGTERM came, and a call still running then lost its event ("database is closed").
 */
export function trackCalls(gateway: Gateway): TrackedGateway {
  const running = new Set<Promise<unknown>>();
  return {
    gateway: {
      ...gateway,
      call(request) {
        const call = gateway.call(request); // never rejects (Gateway.call)
        running.add(call);
        void call.finally(() => running.delete(call));
        return call;
      },
    },
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
