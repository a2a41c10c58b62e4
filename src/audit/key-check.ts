import { createHmac } from 'node:crypto';
import { hashEvent } from './chain.js';
import type { AuditEvent } from './event.js';

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

/**
 * Why `key` cannot be recorded for a log that has events but no key record (one Toolgate 0.1
 * wrote), or null when its newest event was sealed with it. The first gateway to open such a log
 * recorded whatever key it was started with: one started without the key (or with another, as in
 * a rolling upgrade with one instance missing it) chained plain events after HMAC ones, and the
 * log could never be served or verified whole with its real key again (outside probe, 2026-12-07).
 */
export function unrecordedKeyMismatch(newest: AuditEvent, key: Buffer | undefined): string | null {
  if (hashEvent(newest, newest.seq, newest.prevHash, key) === newest.hash) return null;
  const given = key ? 'with this TOOLGATE_AUDIT_KEY' : 'without an audit key';
  return (
    `this audit log has no record of its key (Toolgate 0.1 wrote it) and its newest event, ${newest.seq}, does not ` +
    `check out ${given}: start the gateway with the TOOLGATE_AUDIT_KEY the log was written with` +
    `${key ? ' (or none, if it never had one)' : ''}. If that is the key you gave, the event was changed: ` +
    '`toolgate audit verify` with it names the first bad one'
  );
}

/** Shorter than this, TOOLGATE_AUDIT_KEY is warned about wherever something writes the log. */
export const MIN_AUDIT_KEY_BYTES = 32;

/**
 * What to say about a TOOLGATE_AUDIT_KEY too short to be safe, or null. The key seals the chain
 * against whoever can write the database: one of a few bytes can be guessed, and a one-character
 * key was taken silently (outside probe). A warning, not a refusal: a log is sealed under the key
 * it has, and a gateway refused at upgrade helps no one. `serve`, `stdio` and `approvals` say it.
 */
export function shortAuditKeyWarning(key: string | undefined): string | null {
  if (key === undefined || Buffer.byteLength(key) >= MIN_AUDIT_KEY_BYTES) return null;
  return (
    `TOOLGATE_AUDIT_KEY is shorter than ${MIN_AUDIT_KEY_BYTES} bytes and can be guessed; use a random one, ` +
    'e.g. openssl rand -hex 32 (a new key needs a new database: README, "What the log does not do yet")'
  );
}
