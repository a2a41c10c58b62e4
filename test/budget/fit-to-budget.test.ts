import { describe, expect, it } from 'vitest';
import { fitToBudget } from '../../src/budget/fit-to-budget.js';
import { byteLength, prefixWithinBytes, sliceWhole } from '../../src/util/size.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const noOverhead = () => 0;

describe('the output budget cuts text by bytes, between code points', () => {
  it.each([
    ['ASCII', 'a'.repeat(3000), 1],
    ['CJK (3 bytes a character)', '漢'.repeat(3000), 3],
    ['emoji (4 bytes, two UTF-16 units)', '😀'.repeat(2000), 4],
  ])('%s: fits, keeps about as much as the budget allows, no half characters', (_what, text, bytesPerChar) => {
    const fit = fitToBudget({ note: text }, 1_000, noOverhead);
    expect(fit.fits).toBe(true);
    const kept = (fit.value as { note: string }).note;
    expect(byteLength(JSON.stringify(fit.value))).toBeLessThanOrEqual(1_000);
    expect(kept).not.toMatch(LONE_SURROGATE);
    // Before, a byte excess was taken off a UTF-16 length: CJK and emoji kept nothing.
    expect(byteLength(kept)).toBeGreaterThan(600);
    expect(fit.cuts[0]?.kept).toBeGreaterThan(600 / bytesPerChar);
  });
});

describe('cutting helpers', () => {
  it('sliceWhole never ends in half a pair', () => {
    expect(sliceWhole('ab😀c', 3)).toBe('ab');
    expect(sliceWhole('ab😀c', 4)).toBe('ab😀');
    expect(sliceWhole('abc', 10)).toBe('abc');
  });
  it('prefixWithinBytes counts UTF-8 bytes and stops between code points', () => {
    expect(prefixWithinBytes('a漢😀b', 1)).toBe('a');
    expect(prefixWithinBytes('a漢😀b', 4)).toBe('a漢');
    expect(prefixWithinBytes('a漢😀b', 7)).toBe('a漢');
    expect(prefixWithinBytes('a漢😀b', 8)).toBe('a漢😀');
    expect(prefixWithinBytes('abc', -5)).toBe('');
  });
});
