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
