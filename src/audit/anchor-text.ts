import type { AuditAnchor } from './event.js';

/**
 * An anchor as `audit verify` prints it after "head" and the checkpoint log lines carry it
 * (`SEQ:HASH`); a message naming `setting` when it is not that. Read by `audit verify --anchor`
 * and by `serve` from TOOLGATE_AUDIT_ANCHOR.
 */
export function parseAnchor(text: string, setting: string): AuditAnchor | string {
  const match = /^([1-9]\d{0,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!match)
    return `${setting} wants SEQ:HASH as \`audit verify\` prints it after "head" (an event number, a colon, 64 hex digits); got "${text}".`;
  return { seq: Number(match[1]), hash: match[2]!.toLowerCase() };
}
