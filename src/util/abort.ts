/**
 * Rejects with the signal's reason when `signal` aborts (at once if it already has): raced against
 * work that may ignore its signal (a handler, a resolver), so the caller's deadline still holds.
 */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
