import { sha256 } from '../util/sha256.js';

/**
 * What was learned about a bearer token, remembered until a deadline, so a busy client does not
 * pay a signature check or an IdP round trip on every call (issue #15). Keyed by a digest, so the
 * map never holds a credential. Bounded: past `maxEntries` the oldest entry is dropped.
 */
export interface TokenCache<V> {
  /** The value remembered for `token`, if its deadline (epoch ms) is still ahead of `now`. */
  get(token: string, now: number): V | undefined;
  /** Remembers `value` for `token` until `until` (epoch ms); a deadline already past is ignored. */
  set(token: string, value: V, until: number, now: number): void;
}

export function createTokenCache<V>(maxEntries = 10_000): TokenCache<V> {
  const entries = new Map<string, { readonly value: V; readonly until: number }>();
  const keyOf = (token: string) => sha256(token, 'base64url');
  return {
    get(token, now) {
      const key = keyOf(token);
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until > now) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(token, value, until, now) {
      if (!(until > now)) return;
      const key = keyOf(token);
      entries.delete(key); // re-inserted at the end: the newest entry is the last one dropped
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, until });
    },
  };
}
