import { randomBytes } from 'node:crypto';

/**
 * Prefixed, time-sortable ids (`aud_01J…`-style): 48 bits of milliseconds then 80 random bits,
 * Crockford base32. Sortable so audit ids read in order; random so they cannot be guessed.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[(bytes[i] ?? 0) % 32];
  return `${prefix}_${time}${rand}`;
}
