import type { ToolLimits } from './types.js';

/**
 * Limits used where a tool declares none. Chosen for the model, not the network: 16 KB / 4k tokens
 * is a generous decision-ready answer and far below Claude Code's 25k-token result warning.
 */
export const DEFAULT_LIMITS: Required<Omit<ToolLimits, 'rate'>> & { rate: { perMinute: number; burst: number } } = {
  timeoutMs: 10_000,
  maxResultBytes: 16_384,
  maxResultTokens: 4_000,
  maxInputBytes: 32_768,
  rate: { perMinute: 120, burst: 20 },
  maxUntrustedChars: 2_000,
  // ctx.fetch read bodies without any bound: a 300 MB upstream answer read with res.text() took
  // the gateway to 1,087 MB RSS (outside probe, 2026-12-07), so a few such calls at once exhaust
  // memory. 10 MiB is 640× the default result budget, room for any page of JSON a handler cuts
  // down to an answer, and the payload limit of common API gateways (AWS API Gateway); at ~3.6×
  // in memory once read as text (the probe's ratio), ~36 MB per call. More: raise it per tool.
  maxFetchBytes: 10 * 1024 * 1024,
};

export function limitsFor(declared: ToolLimits | undefined, overrides: ToolLimits = {}): typeof DEFAULT_LIMITS {
  const merged = { ...DEFAULT_LIMITS, ...overrides, ...declared };
  const rate = declared?.rate ?? overrides.rate ?? DEFAULT_LIMITS.rate;
  return {
    ...merged,
    rate: { perMinute: rate.perMinute, burst: rate.burst ?? Math.max(1, Math.ceil(rate.perMinute / 6)) },
  };
}
