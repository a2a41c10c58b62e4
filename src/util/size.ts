/**
 * Result sizes as the model pays for them. Tokens are estimated at 4 bytes each: close enough
 * for JSON-heavy English text to set budgets, and deliberately simple so it is predictable.
 */
export const BYTES_PER_TOKEN = 4;

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function estimateTokens(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_TOKEN);
}

/** Cuts a summary for the audit log to at most `max` characters, saying so. */
export function boundText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/** The first `count` UTF-16 units of `text`, one fewer rather than half a surrogate pair. */
export function sliceWhole(text: string, count: number): string {
  const end = Math.max(0, Math.min(count, text.length));
  const code = text.charCodeAt(end - 1);
  return text.slice(0, end > 0 && code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}

/**
 * The longest prefix of `text` that is at most `maxBytes` in UTF-8, cut between code points.
 * Budgets are bytes; a string's length is UTF-16 units, three bytes each for CJK and two units
 * for four bytes for an emoji, so cutting by length over-cut such text or split its pairs.
 */
export function prefixWithinBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
