import { afterEach, describe, expect, it } from 'vitest';
import { fitToBudget, type Cut } from '../../src/budget/fit-to-budget.js';
import { NARROW_HINT } from '../../src/pipeline/stages/output-budget.js';
import { byteLength } from '../../src/util/size.js';
import { referenceFit } from './reference-fit.js';

/**
 * Outside probe, 2026-12-07: `{k0:['v'], …, k49999:['v']}` took 13.3 s in the fit (200 rounds,
 * each serialising and walking the whole result) to end `result_too_large`. The fit now
 * measures once and keeps the size as it cuts; what it returns must not change.
 */
const notices = (cuts: readonly Cut[]) =>
  byteLength(JSON.stringify(cuts.length ? { truncated: cuts, hint: NARROW_HINT } : {})) + 16;

/** A small seeded generator (mulberry32), so a failure names a case that can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABETS = ['abc xyz 0123', '漢字かな', '😀🎉', 'a"b\\c\n\t', 'é ü ß'];

function text(rnd: () => number, length: number): string {
  const alphabet = [...ALPHABETS[Math.floor(rnd() * ALPHABETS.length)]!];
  let out = '';
  while (out.length < length) out += alphabet[Math.floor(rnd() * alphabet.length)];
  return out;
}

function value(rnd: () => number, depth: number): unknown {
  const pick = rnd();
  if (depth > 3 || pick < 0.3) return pick < 0.1 ? Math.floor(rnd() * 1e6) : pick < 0.15 ? null : text(rnd, rnd() * 20);
  if (pick < 0.45) return text(rnd, 81 + rnd() * 600);
  if (pick < 0.5) return `<untrusted_content source="tickets">${text(rnd, 100 + rnd() * 400)}\n</untrusted_content>`;
  if (pick < 0.75) return Array.from({ length: Math.floor(rnd() * 30) }, () => value(rnd, depth + 1));
  return record(rnd, depth + 1, Math.floor(rnd() * 8));
}

function record(rnd: () => number, depth: number, keys: number): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: keys }, (_, i) => [`f${i}`, value(rnd, depth)]));
}

describe('fit-to-budget returns what it always has', () => {
  it('agrees with the fit it replaces on 300 generated results', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const result = record(rnd, 0, 1 + Math.floor(rnd() * 10));
      const size = byteLength(JSON.stringify(result));
      const maxBytes = Math.floor(50 + rnd() * size);
      expect(fitToBudget(result, maxBytes, notices), `seed ${seed}`).toEqual(referenceFit(result, maxBytes, notices));
    }
  });

  it.each([
    ['many small lists', Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, ['v']]))],
    [
      'many lists of records',
      { a: { rows: Array.from({ length: 300 }, (_, i) => ({ id: i, note: 'x'.repeat(90) })) } },
    ],
    ['lists in lists', { grid: Array.from({ length: 50 }, () => Array.from({ length: 50 }, (_, j) => j)) }],
    ['a sparse list', { holes: Object.assign(new Array(400), { 3: 'x', 399: 'y'.repeat(200) }) }],
    ['a list at the top', Array.from({ length: 2_000 }, (_, i) => `item ${i}`)],
  ])('agrees on %s', (_what, result) => {
    for (const maxBytes of [64, 500, 2_000, 8_000])
      expect(fitToBudget(result, maxBytes, notices)).toEqual(referenceFit(result, maxBytes, notices));
  });
});

describe('fit-to-budget costs about one pass over the result', () => {
  const realStringify = JSON.stringify;
  afterEach(() => void (JSON.stringify = realStringify));

  /** Counts JSON.stringify calls, and those that give more than `over` characters. */
  function countingStringify(over: number): { calls: number; large: number } {
    const count = { calls: 0, large: 0 };
    JSON.stringify = ((...args: Parameters<typeof realStringify>) => {
      const json = realStringify(...args) as string | undefined;
      count.calls++;
      if (json !== undefined && json.length > over) count.large++;
      return json;
    }) as typeof JSON.stringify;
    return count;
  }

  it('many small lists (the probe): same answer, serialised whole once, each value measured once', () => {
    const keys = 10_000;
    // Non-ASCII, so measuring a text goes through JSON.stringify and a walk per round shows.
    const result = Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, ['é']]));
    const count = countingStringify(16_384);
    const fit = fitToBudget(result, 16_384, notices);
    JSON.stringify = realStringify;
    expect(fit.fits).toBe(false);
    expect(fit.cuts).toHaveLength(200); // as before: 200 rounds, one list emptied each
    expect(fit.cuts[0]).toEqual({ field: 'k0', unit: 'items', kept: 0, omitted: 1 });
    expect(fit.cuts[199]?.field).toBe('k199');
    expect(count.large).toBe(1); // was 200: once a round
    expect(count.calls).toBeLessThan(2 * keys); // was ~200 × 10 K: a walk a round
  });

  it('a result cut to fit is serialised whole twice: to measure it, and once cut, to answer with', () => {
    const result = { rows: Array.from({ length: 5_000 }, (_, i) => ({ id: `r${i}`, note: 'é'.repeat(100) })) };
    const count = countingStringify(4_000);
    const fit = fitToBudget(result, 8_192, notices);
    JSON.stringify = realStringify;
    expect(fit.fits).toBe(true);
    expect(fit.json).toBe(JSON.stringify(fit.value));
    expect(count.large).toBe(2);
  });
});
