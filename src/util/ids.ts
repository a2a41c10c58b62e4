import { randomFillSync } from 'node:crypto';

/**
 * Prefixed, time-sortable ids (`aud_01J…`-style): 48 bits of milliseconds then 80 random bits,
 * Crockford base32. Sortable so audit ids read in order; random so they cannot be guessed.
 * Random bytes come from a pool refilled 4 KiB at a time (issue #15: one CSPRNG call per id was
 * visible in the profile); every byte is still from the CSPRNG and used once.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const POOL = Buffer.allocUnsafe(4096);
let offset = POOL.length;

function randomChars(count: number): string {
  if (offset + count > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < count; i++) out += ALPHABET[(POOL[offset + i] as number) & 31];
  offset += count;
  return out;
}

export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${randomChars(16)}`;
}
