import { createHmac } from 'node:crypto';

/**
 * What an audit log records about the key it is sealed with (`audit_meta.key_check`): `none` for
 * a plain SHA-256 chain, else a short HMAC of a fixed text under the key. It tells "the key you
 * gave is not the one this log was written with" apart from tampering: verify with a missing or
 * wrong TOOLGATE_AUDIT_KEY said TAMPERED at event 1 (exit 1) about an untouched log. Reveals
 * nothing usable about the key (an HMAC output, 64 bits of it).
 */
export function auditKeyCheck(key: Buffer | undefined): string {
  return key
    ? `hmac:${createHmac('sha256', key).update('toolgate audit key check').digest('hex').slice(0, 16)}`
    : 'none';
}

/** Why a key does not fit a log's recorded check, in words for the operator; null when it fits. */
export function keyMismatch(recorded: string | null, key: Buffer | undefined): string | null {
  if (recorded === null || recorded === auditKeyCheck(key)) return null;
  // The record is in the file, so whoever can write the file can set it: someone without the key
  // can re-seal a forged history as a plain chain and mark it `none`. Telling the operator to
  // unset the key would lead them to accept exactly that (outside probe, 2026-12-07).
  if (recorded === 'none')
    return (
      'this audit log says it is written without an audit key, but TOOLGATE_AUDIT_KEY is set. If this log never ' +
      'had a key, unset TOOLGATE_AUDIT_KEY to check it. If it was written with one, someone who could write the file ' +
      'but not read the key has re-sealed it as a plain chain: treat it as tampered (an anchor from before, ' +
      'checked with `toolgate audit verify --anchor`, shows it)'
    );
  if (!key) return 'this audit log is written with an audit key; set TOOLGATE_AUDIT_KEY to it';
  return 'TOOLGATE_AUDIT_KEY is not the key this audit log is written with';
}
