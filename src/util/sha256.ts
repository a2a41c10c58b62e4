import crypto, { createHash } from 'node:crypto';

// Node's one-shot hash where it exists (20.12+): no Hash object per call. This runs several
// times on every request (bearer digests, the audit chain).
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex' | 'base64url') => string }).hash;

/** SHA-256 of a string's UTF-8 bytes. */
export function sha256(value: string, encoding: 'hex' | 'base64url' = 'hex'): string {
  return oneShot ? oneShot('sha256', value, encoding) : createHash('sha256').update(value).digest(encoding);
}
