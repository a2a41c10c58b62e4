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
