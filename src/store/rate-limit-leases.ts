import type { RateDecision, RateLimitStore, RateRule } from './types.js';

/**
 * Rate limits without a store write per call (issue #15). An instance leases a block of tokens
 * from the shared bucket in one transaction and hands them out from memory; when the block runs
 * out it leases the next. The store stays the single source of truth, so several instances on one
 * database still share every limit.
 *
 * Tolerance (stated, and tested in test/store/rate-limit-leases.test.ts): tokens are only ever
 * taken from the shared bucket, so no instance can hand out a token the bucket did not have; a
 * lease lives `ttlMs` at most and is never larger than `maxLease` or a tenth of the burst. Within
 * that, a caller spread over N instances can see up to N leases of slack either way — a burst of
 * at most `N × lease` more than the bucket alone would allow (tokens held while the bucket
 * refills behind them), or refusals up to `N × lease` early (tokens stranded on another instance,
 * dropped when their lease expires). Buckets with a burst under 20 lease one token: exact, one
 * store write per call, as before. Lease sizes adapt: they double while leases are used up, and
 * halve when one expires half-used, so a slow caller strands little.
 */
export interface LeaseOptions {
  readonly maxLease?: number;
  readonly ttlMs?: number;
  readonly maxKeys?: number;
}

interface Lease {
  tokens: number;
  expiresAt: number;
  size: number;
  deniedUntil: number;
  refilling: Promise<void> | null;
}

export function createLeasedRateLimits(store: RateLimitStore, options: LeaseOptions = {}): RateLimitStore {
  const maxLease = options.maxLease ?? 50;
  const ttlMs = options.ttlMs ?? 1_000;
  const maxKeys = options.maxKeys ?? 10_000;
  const leases = new Map<string, Lease>();

  function leaseOf(key: string): Lease {
    let lease = leases.get(key);
    if (!lease) {
      lease = { tokens: 0, expiresAt: 0, size: 1, deniedUntil: 0, refilling: null };
      leases.set(key, lease);
      if (leases.size > maxKeys) leases.delete(leases.keys().next().value as string);
    }
    return lease;
  }

  async function refill(key: string, lease: Lease, rule: RateRule, nowMs: number, cap: number): Promise<void> {
    // Adapt: a lease that expired with more than half left was too big for this caller.
    if (lease.expiresAt !== 0 && lease.expiresAt <= nowMs && lease.tokens > lease.size / 2) {
      lease.size = Math.max(1, Math.floor(lease.size / 2));
    } else if (lease.expiresAt !== 0) {
      lease.size = Math.min(cap, lease.size * 2);
    }
    const decision = await store.take(key, rule, nowMs, lease.size);
    if (decision.granted > 0) {
      lease.tokens = decision.granted;
      lease.expiresAt = nowMs + ttlMs;
    } else {
      lease.tokens = 0;
      // The bucket is empty until then whatever other instances do (they can only drain it).
      lease.deniedUntil = nowMs + decision.retryAfterMs;
    }
  }

  return {
    async take(key, rule, nowMs): Promise<RateDecision> {
      const cap = Math.max(1, Math.min(maxLease, Math.floor(rule.capacity / 10)));
      if (cap === 1) return store.take(key, rule, nowMs);
      const lease = leaseOf(key);
      for (let attempt = 0; attempt < 4; attempt++) {
        if (lease.tokens > 0 && lease.expiresAt > nowMs) {
          lease.tokens -= 1;
          return { allowed: true, retryAfterMs: 0, remaining: lease.tokens, granted: 1 };
        }
        if (lease.deniedUntil > nowMs) {
          return { allowed: false, retryAfterMs: lease.deniedUntil - nowMs, remaining: 0, granted: 0 };
        }
        // One lease request at a time per bucket; concurrent callers wait for it and share it.
        lease.refilling ??= refill(key, lease, rule, nowMs, cap).finally(() => (lease.refilling = null));
        await lease.refilling;
      }
      // Heavy contention on one bucket: take a single token directly rather than spin.
      return store.take(key, rule, nowMs);
    },
  };
}
