import { sha256 } from '../../util/sha256.js';

/**
 * Throttles failed authentication (issue #13, item 3), keyed twice: per client address and per
 * presented credential (a digest of it; the "account" of a bearer token is the token itself, so a
 * leaked or expired token replayed from many addresses is slowed too). After `freeFailures` in a
 * window a key must wait, doubling up to `maxBlockMs`, and gets 429 with Retry-After.
 *
 * Attempts are counted *before* the credential is checked (admit), then settled: a burst of 500
 * parallel guesses gets `freeFailures` looked at, not 500. Legitimate concurrency is not hurt:
 * attempts in flight with the same credential count once (a client's first burst of 16 calls is
 * one guess, not 16), and a credential that was accepted recently is trusted for `trustMs` and
 * skips the count (until it is refused once). A success no longer wipes the address's failures,
 * so an attacker holding one valid token cannot interleave it to reset the count for guesses at
 * others. Every block ends after
 * at most `maxBlockMs`, so nobody can lock a real user out for long; memory is bounded.
 *
 * MCP security best practices, "Session hijacking" / RFC 6750 §5.2 ("Token guessing"): bearer
 * tokens must resist guessing; rate limiting failed attempts makes online guessing impractical.
 */
export interface ThrottleOptions {
  readonly freeFailures?: number;
  readonly windowMs?: number;
  readonly baseBlockMs?: number;
  readonly maxBlockMs?: number;
  readonly trustMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** One request's claim to be someone: where it came from and what it presented (if anything). */
export interface Attempt {
  readonly address: string;
  /** The raw Authorization header value, or null when the request presented none. */
  readonly credential: string | null;
}

export type Admission =
  | { readonly admitted: true; readonly ticket: Ticket }
  | {
      readonly admitted: false;
      readonly waitMs: number;
      /** True once per block: audit it. */ readonly blockStarted: boolean;
    };

/** What settle() needs to undo the provisional count; opaque to callers. */
export interface Ticket {
  readonly keys: readonly string[];
  readonly digest: string | null;
  /** What this attempt counts as while in flight: its credential, or itself when it has none. */
  readonly pendingId: string | null;
}

/** accepted: the credential was good. refused: it was presented and rejected. other: no verdict on it. */
export type AttemptOutcome = 'accepted' | 'refused' | 'other';

export interface AuthThrottle {
  /** Before the credential is looked at: refuse while a block is in force, else count the attempt. */
  admit(attempt: Attempt): Admission;
  /** After the verdict. Returns the block that a refusal started (ms), or 0: audit when positive. */
  settle(ticket: Ticket, outcome: AttemptOutcome): number;
  /** Milliseconds the address (or credential) must still wait, or 0. */
  retryAfterMs(attempt: Attempt): number;
}

interface Entry {
  failures: number;
  /** Attempts in flight, by credential: the same credential in flight many times counts once. */
  pending: Map<string, number>;
  firstAt: number;
  blockedUntil: number;
  /** Blocks so far in this window: each one doubles the next. */
  blocks: number;
}

export function createAuthThrottle(options: ThrottleOptions = {}): AuthThrottle {
  const free = options.freeFailures ?? 10;
  const windowMs = options.windowMs ?? 60_000;
  const base = options.baseBlockMs ?? 1_000;
  const max = options.maxBlockMs ?? 60_000;
  const trustMs = options.trustMs ?? 10 * 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const trusted = new Map<string, number>();
  let anonymous = 0;

  const keysOf = (attempt: Attempt, digest: string | null) =>
    digest ? [`addr:${attempt.address}`, `cred:${digest}`] : [`addr:${attempt.address}`];

  function entryOf(key: string, at: number): Entry {
    let entry = entries.get(key);
    // A quiet window (and no block in force) forgives earlier failures.
    if (!entry || (at - entry.firstAt > windowMs && at >= entry.blockedUntil && entry.pending.size === 0)) {
      entry = { failures: 0, pending: new Map(), firstAt: at, blockedUntil: 0, blocks: 0 };
    }
    entries.delete(key); // re-insert: Map order doubles as least-recently-used order
    entries.set(key, entry);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    return entry;
  }

  function startBlock(entry: Entry, at: number): number {
    const block = Math.min(max, base * 2 ** entry.blocks);
    entry.blocks += 1;
    entry.blockedUntil = at + block;
    return block;
  }

  function isTrusted(digest: string | null, at: number): boolean {
    const until = digest ? trusted.get(digest) : undefined;
    return until !== undefined && until > at;
  }

  function waitOf(keys: readonly string[], at: number): number {
    return Math.max(0, ...keys.map((key) => (entries.get(key)?.blockedUntil ?? 0) - at));
  }

  return {
    admit(attempt) {
      const at = now();
      const digest = attempt.credential ? digestOf(attempt.credential) : null;
      const keys = keysOf(attempt, digest);
      if (isTrusted(digest, at)) return { admitted: true, ticket: { keys, digest, pendingId: null } };
      const wait = waitOf(keys, at);
      if (wait > 0) return { admitted: false, waitMs: wait, blockStarted: false };
      const pendingId = digest ?? `anon:${(anonymous += 1)}`;
      const over = keys.map((key) => {
        const entry = entryOf(key, at);
        const inFlight = entry.pending.size + (entry.pending.has(pendingId) ? 0 : 1);
        return { entry, over: entry.failures + inFlight - free };
      });
      const exceeded = over.filter((o) => o.over > 0).map((o) => o.entry);
      if (exceeded.length > 0) {
        // This attempt would exceed the free allowance on some key: a new block there, each one
        // twice the last within the window.
        const block = Math.max(...exceeded.map((entry) => startBlock(entry, at)));
        return { admitted: false, waitMs: block, blockStarted: true };
      }
      for (const o of over) o.entry.pending.set(pendingId, (o.entry.pending.get(pendingId) ?? 0) + 1);
      return { admitted: true, ticket: { keys, digest, pendingId } };
    },
    settle(ticket, outcome) {
      const at = now();
      if (ticket.pendingId !== null) {
        for (const key of ticket.keys) {
          const pending = entries.get(key)?.pending;
          const count = pending?.get(ticket.pendingId) ?? 0;
          if (count > 1) pending!.set(ticket.pendingId, count - 1);
          else pending?.delete(ticket.pendingId);
        }
      }
      if (outcome === 'accepted') {
        if (ticket.digest) {
          trusted.delete(ticket.digest);
          trusted.set(ticket.digest, at + trustMs);
          if (trusted.size > maxEntries) trusted.delete(trusted.keys().next().value as string);
        }
        return 0;
      }
      if (outcome !== 'refused') return 0;
      // A trusted credential that is now refused (revoked, expired) loses its trust at once.
      if (ticket.digest) trusted.delete(ticket.digest);
      let started = 0;
      for (const key of ticket.keys) {
        const entry = entryOf(key, at);
        entry.failures += 1;
        // Failures beyond the allowance that arrive while admitted (a burst settling late) block at once.
        if (entry.failures > free && entry.blockedUntil <= at) started = Math.max(started, startBlock(entry, at));
      }
      return started;
    },
    retryAfterMs(attempt) {
      const digest = attempt.credential ? digestOf(attempt.credential) : null;
      return waitOf(keysOf(attempt, digest), now());
    },
  };
}

/** The throttle never keeps a credential, only a short digest of it. */
function digestOf(credential: string): string {
  return sha256(credential, 'base64url').slice(0, 22);
}
