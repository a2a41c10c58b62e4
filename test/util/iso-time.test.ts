import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/util/iso-time.js';

// Issue #15: the audit time is built from a per-second prefix; it must be toISOString's text.
describe('isoTime', () => {
  it('is toISOString for any time, fractional or out of the cached range included', () => {
    const anyTime = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true }),
      fc.integer({ min: 1_700_000_000_000, max: 1_700_000_005_000 }), // many in the same seconds
      fc.constantFrom(0, -0, 999, 1000, 253_402_300_799_999, 253_402_300_800_000, -1),
    );
    fc.assert(
      fc.property(anyTime, (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('one time after another within a second, then the next second', () => {
    const base = Date.UTC(2026, 11, 6, 6, 54, 58);
    for (const ms of [base, base + 7, base + 42, base + 999, base + 1000, base + 1001, base - 1]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('refuses an invalid time as Date does', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
