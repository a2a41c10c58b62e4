/**
 * Throttles failed authentication (issue #13, item 3). Failures are counted per client address;
 * after `freeFailures` in a window, that address must wait, doubling up to `maxBlockMs`, and gets
 * 429 with Retry-After. Only the failing address is slowed: a real user elsewhere signs in as
 * usual, and every block ends after at most `maxBlockMs`, so an attacker cannot lock anyone out
 * for long. Memory is bounded: the table forgets the oldest addresses beyond `maxEntries`.
 *
 * MCP security best practices, "Session hijacking" / RFC 6750 §5.2 ("Token guessing"): bearer
 * tokens must resist guessing; rate limiting failed attempts makes online guessing impractical.
 */
export interface ThrottleOptions {
  readonly freeFailures?: number;
  readonly windowMs?: number;
  readonly baseBlockMs?: number;
  readonly maxBlockMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  failures: number;
  firstAt: number;
  blockedUntil: number;
}

export interface AuthThrottle {
  /** Milliseconds `key` must still wait, or 0. Checked before the credential is looked at. */
  retryAfterMs(key: string): number;
  /** Records a failure; returns the block now in force (0 while failures are still free). */
  fail(key: string): number;
  /** A success from `key` clears its record. */
  succeed(key: string): void;
}

export function createAuthThrottle(options: ThrottleOptions = {}): AuthThrottle {
  const free = options.freeFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const base = options.baseBlockMs ?? 1_000;
  const max = options.maxBlockMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  return {
    retryAfterMs(key) {
      const entry = entries.get(key);
      return entry ? Math.max(0, entry.blockedUntil - now()) : 0;
    },
    fail(key) {
      const at = now();
      let entry = entries.get(key);
      // A quiet window (and no block in force) forgives earlier failures.
      if (!entry || (at - entry.firstAt > windowMs && at >= entry.blockedUntil)) {
        entry = { failures: 0, firstAt: at, blockedUntil: 0 };
      }
      entries.delete(key); // re-insert: Map order doubles as least-recently-failed order
      entries.set(key, entry);
      entry.failures += 1;
      if (entry.failures > free) {
        const block = Math.min(max, base * 2 ** (entry.failures - free - 1));
        entry.blockedUntil = at + block;
      }
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return Math.max(0, entry.blockedUntil - at);
    },
    succeed(key) {
      entries.delete(key);
    },
  };
}
