/**
 * One circuit breaker per upstream (issue #13, item 11). After `failureThreshold` consecutive
 * failures an upstream is *open*: calls fail fast with `upstream_unavailable` and a Retry-After
 * instead of each waiting out its deadline. After `coolDownMs` it is *half open*: one probe call
 * goes through; success closes it, failure opens it again. Upstreams are named by the tool's
 * first declared credential (one credential per internal API), or the tool itself.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface UpstreamHealth {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  readonly openedAt: string | null;
}

export interface Breakers {
  /** Milliseconds to wait when the upstream is open (fail fast), or 0 to go ahead. */
  admit(upstream: string): number;
  succeeded(upstream: string): void;
  failed(upstream: string): void;
  health(): Readonly<Record<string, UpstreamHealth>>;
}

interface Circuit {
  failures: number;
  openedAt: number | null;
  probing: boolean;
}

export function createBreakers(options: { failureThreshold?: number; coolDownMs?: number; now?: () => number } = {}) {
  const threshold = options.failureThreshold ?? 5;
  const coolDown = options.coolDownMs ?? 30_000;
  const now = options.now ?? Date.now;
  const circuits = new Map<string, Circuit>();
  const circuit = (name: string) => {
    let c = circuits.get(name);
    if (!c) circuits.set(name, (c = { failures: 0, openedAt: null, probing: false }));
    return c;
  };
  const stateOf = (c: Circuit): BreakerState =>
    c.openedAt === null ? 'closed' : now() - c.openedAt >= coolDown ? 'half_open' : 'open';

  const breakers: Breakers = {
    admit(name) {
      const c = circuit(name);
      const state = stateOf(c);
      if (state === 'closed') return 0;
      if (state === 'half_open' && !c.probing) {
        c.probing = true; // exactly one probe at a time
        return 0;
      }
      return Math.max(1_000, coolDown - (now() - (c.openedAt ?? now())));
    },
    succeeded(name) {
      circuits.set(name, { failures: 0, openedAt: null, probing: false });
    },
    failed(name) {
      const c = circuit(name);
      c.failures += 1;
      c.probing = false;
      if (c.openedAt !== null || c.failures >= threshold) c.openedAt = now();
    },
    health() {
      return Object.fromEntries(
        [...circuits].map(([name, c]) => [
          name,
          {
            state: stateOf(c),
            consecutiveFailures: c.failures,
            openedAt: c.openedAt === null ? null : new Date(c.openedAt).toISOString(),
          },
        ]),
      );
    },
  };
  return breakers;
}
