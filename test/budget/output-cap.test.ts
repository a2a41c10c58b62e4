import { describe, expect, it } from 'vitest';
import { exceedsOutputCap, outputCapOf } from '../../src/budget/output-cap.js';
import { DEFAULT_LIMITS } from '../../src/contract/default-limits.js';
import { byteLength } from '../../src/util/size.js';

/** Outside probe, 2026-12-07: a handler's output was walked whole by four stages, however large. */
const unlimited = Number.MAX_SAFE_INTEGER;

describe('the cap on a handler output', () => {
  it('is 1,024 budgets of bytes and 32 values a budget byte (16 MB and 512 K values by default)', () => {
    expect(outputCapOf(DEFAULT_LIMITS)).toEqual({ bytes: 16_000 * 1_024, values: 16_000 * 32 });
    expect(outputCapOf({ maxResultBytes: 100_000, maxResultTokens: 1_000 })).toEqual({
      bytes: 4_000 * 1_024,
      values: 4_000 * 32,
    });
  });

  it.each([
    ['texts', { a: 'x'.repeat(50), b: ['漢字', '😀', 'a"\n'] }],
    ['numbers and literals', { n: [1, -0.5, 1e21, null, true, false], o: { u: undefined, f: () => 1 } }],
    ['nesting', { a: [[], {}, [{ b: [1, [2, { c: 'd' }]] }]], e: {} }],
  ])('counts no more bytes than the JSON has (%s)', (_what, output) => {
    const bytes = byteLength(JSON.stringify(output));
    expect(exceedsOutputCap(output, { bytes, values: unlimited })).toBe(false);
    expect(exceedsOutputCap(output, { bytes: Math.floor(bytes / 4), values: unlimited })).toBe(true);
  });

  it('counts values: one million plain keys are over the default cap', () => {
    const keys = Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`k${i}`, 'v']));
    expect(exceedsOutputCap(keys, outputCapOf(DEFAULT_LIMITS))).toBe(true);
    expect(exceedsOutputCap({ k: Array.from({ length: 100 }, () => 'v') }, { bytes: unlimited, values: 50 })).toBe(
      true,
    );
  });

  it('stops reading at the cap, however long the output goes on', () => {
    let reads = 0;
    const endless = new Proxy(new Array<number>(10_000_000), {
      get: (target, key, receiver) => {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return key === 'length' ? target.length : /^\d+$/.test(String(key)) ? 1 : Reflect.get(target, key, receiver);
      },
    });
    expect(exceedsOutputCap({ items: endless }, { bytes: unlimited, values: 1_000 })).toBe(true);
    expect(reads).toBeLessThanOrEqual(1_000);
  });

  it('walks a cycle once, and counts a Date or a Map (what JSON writes of them is small) as one value', () => {
    const node: Record<string, unknown> = { name: 'a' };
    node.self = node;
    expect(
      exceedsOutputCap({ node, when: new Date(), map: new Map([[1, 'x'.repeat(1e4)]]) }, { bytes: 100, values: 10 }),
    ).toBe(false);
  });

  it('looks into class instances, which zod object schemas accept (a Rows of rows slipped past: review)', () => {
    class Rows {
      rows = Array.from({ length: 1_000 }, (_, i) => ({ id: i }));
    }
    expect(exceedsOutputCap(new Rows(), { bytes: 1e9, values: 100 })).toBe(true);
    expect(exceedsOutputCap({ ...new Rows() }, { bytes: 1e9, values: 100 })).toBe(true);
  });
});
