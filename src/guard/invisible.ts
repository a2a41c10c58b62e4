/**
 * Hidden characters that carry no meaning for a reader but can carry instructions for a model:
 * every Default_Ignorable_Code_Point (zero-width characters, bidi controls, Unicode tag
 * characters, variation selectors, soft hyphens, Hangul fillers, the combining grapheme joiner
 * and the rest), lone surrogates, and control characters other than newline and tab. The
 * Unicode property rather than a hand-kept list: the list missed U+034F, U+3164, U+180B and a
 * dozen more, and `ig\u034Fnore all previous instructions` slipped past detection.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- matching these characters is the point
  /[\p{Default_Ignorable_Code_Point}\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/gu;

export function stripInvisible(text: string): { text: string; removed: number } {
  let removed = 0;
  const cleaned = text.replace(INVISIBLE, () => {
    removed++;
    return '';
  });
  return { text: cleaned, removed };
}

/** Each UTF-16 unit of `text` as a JSON escape: `\u202e`, a tag character as its two halves. */
const jsonEscapes = (text: string) =>
  Array.from({ length: text.length }, (_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');

/**
 * JSON text in which every hidden character is a `\uXXXX` escape. Parsed, it is the same value
 * (the escapes stand for the characters); printed or rendered, nothing hidden acts. For what a
 * person reads before approving a write: a U+202E in an account id reversed what followed it
 * (`acct_\u202e1234` read `acct_4321`), and an escape sequence in a reason cleared the next
 * approver's terminal (outside probe, 2026-12-07). JSON.stringify escapes C0 controls itself;
 * these are found only inside strings, where an escape is valid.
 */
export function jsonShowingInvisible(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(INVISIBLE, jsonEscapes);
}

/**
 * The hidden characters that change what a person sees, which `showInvisible` makes visible:
 * controls (terminal escape sequences; tab and line breaks are kept), bidi controls (they
 * reorder the text after them: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and the
 * ones that split or pad text without a trace (soft hyphen, U+180E, zero-width space, U+2060–
 * U+2064, the BOM, tag characters), lone surrogates too. Not the joiners (U+200C, U+200D) or
 * variation selectors: Persian and Indic names and emoji are written with them, and a first
 * version showed `Ne[U+200C]mati` and `👩[U+200D]💻` on every console page (found in review).
 * The JSON views escape all of INVISIBLE, which costs nothing there: the escapes parse back.
 */
const ACTS_ON_DISPLAY =
  // eslint-disable-next-line no-control-regex -- matching these characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}\uD800-\uDFFF]/gu;

/**
 * Text for a person with each character that would act on the display shown as a visible
 * `[U+202E]` instead. Nothing is removed: an approver sees that something is there, and where.
 * The marker has no quote, `<` or `&`, so it is safe inside any HTML context it lands in.
 */
export function showInvisible(text: string): string {
  return text.replace(ACTS_ON_DISPLAY, marker);
}

const marker = (hidden: string) => `[U+${hidden.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`;

/**
 * `showInvisible` for one value inside a line-oriented text (a row of `audit tail`, a labelled
 * line of `approvals show`): its line breaks and tabs are shown as well, or a value could end
 * the line and print a forged one after it, or return the cursor and overwrite what came before
 * (an actor name, a tool name a model chose, a reason; outside probe, 2026-12-07).
 */
export function showInvisibleInLine(text: string): string {
  return showInvisible(text).replace(/[\t\n\r]/g, marker);
}
