/**
 * Hidden characters that carry no meaning for a reader but can carry instructions for a model:
 * zero-width characters, bidi overrides (text that displays differently than it reads), Unicode
 * tag characters (invisible ASCII look-alikes used to smuggle prompts), variation selectors,
 * soft hyphens, lone surrogates, and control characters other than newline and tab.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class -- matching these characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFE00-\uFE0F\uFEFF]|\uDB40[\uDC00-\uDC7F\uDD00-\uDDEF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function stripInvisible(text: string): { text: string; removed: number } {
  let removed = 0;
  const cleaned = text.replace(INVISIBLE, () => {
    removed++;
    return '';
  });
  return { text: cleaned, removed };
}
