import fc from 'fast-check';
import { html } from 'hono/html';
import { describe, expect, it } from 'vitest';
import { page } from '../../src/console/layout.js';
import { jsonShowingInvisible, showInvisible } from '../../src/guard/invisible.js';

// What approvers read (console, CLI, REST) shows hidden characters instead of letting them act.
// eslint-disable-next-line no-control-regex -- finding them is the point
const HIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/u;

describe('hidden characters, shown to people', () => {
  it('jsonShowingInvisible: no hidden character left in the text, the same value once parsed', () => {
    const value = { id: 'acct_\u202e1234', note: 'ok \u001b[2J \u0085 \u{E0041} \u200b', emoji: '👩\u200d💻' };
    const text = jsonShowingInvisible(value, 2);
    expect(text).not.toMatch(HIDDEN);
    expect(text).not.toContain('\u{E0041}');
    expect(text).toContain('"acct_\\u202e1234"');
    expect(JSON.parse(text)).toEqual(value);
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (json, s) => {
        const back = JSON.parse(jsonShowingInvisible({ json, s }));
        expect(back).toEqual(JSON.parse(JSON.stringify({ json, s })));
      }),
    );
  });

  it('showInvisible: each hidden character as a visible [U+…], nothing removed', () => {
    expect(showInvisible('acct_\u202e1234 \u001b[2J \u{E0041}')).toBe('acct_[U+202E]1234 [U+001B][2J [U+E0041]');
    expect(showInvisible('plain text\nand a tab\t')).toBe('plain text\nand a tab\t');
    // Text is written with these: a Persian name's ZWNJ, an emoji's ZWJ and its style selector.
    for (const text of ['Ne\u200Cmati', '👩\u200D💻', '❤\uFE0F']) expect(showInvisible(text)).toBe(text);
  });

  it('every console page shows them, whichever template put them there, attributes included', async () => {
    const body = html`<p>${'refund to acct_\u202e1234'}</p><input value="${'x\u200by'}">`;
    const rendered = String(await page('Draft \u2066title', body, 'usr_\u202elead', 'csrf'));
    expect(rendered).not.toMatch(HIDDEN);
    expect(rendered).toContain('<p>refund to acct_[U+202E]1234</p>');
    expect(rendered).toContain('<input value="x[U+200B]y">');
    expect(rendered).toContain('usr_[U+202E]lead');
  });
});
