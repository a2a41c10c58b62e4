import { createHmac } from 'node:crypto';
import { sha256 } from '../util/sha256.js';
import type { AuditAnchor, AuditEvent, AuditEventInput, VerifyReport } from './event.js';

/**
 * The hash chain that makes the audit log tamper-evident (R10). Each event's hash covers its
 * canonical content, its seq and the previous event's hash, so editing, deleting or reordering
 * any event breaks the chain at that event. With TOOLGATE_AUDIT_KEY set the hash is an HMAC: a
 * person who can write the database file but not read the key cannot re-seal a forged chain.
 */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with sorted keys and no whitespace: the same event always hashes the same way. A value with
 * `toJSON` (a Date) is written as JSON.stringify writes it: a draft's preview holding a Date was
 * stored and shown as `{}` (outside probe). Audit rows hold none, so no chain hashes differently.
 */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  // A BigInt (an action input transformed to one) as its digits, as z.coerce.bigint() reads them
  // back: JSON.stringify throws on it, and every such draft failed to be made (review).
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const CONTENT_FIELDS = [
  'id',
  'time',
  'kind',
  'requestId',
  'callId',
  'surface',
  'client',
  'actor',
  'tenant',
  'tool',
  'decision',
  'reason',
  'outcome',
  'errorCode',
  'inputSummary',
  'outputSummary',
  'resultBytes',
  'resultTokens',
  'sourceIds',
  'latencyMs',
  'data',
] as const satisfies readonly (keyof AuditEventInput)[];

/**
 * Added with migration 3 (OAuth identity). Hashed only when present, so events written before
 * they existed (or without an OAuth caller) keep their hashes; a new event's values are covered,
 * and removing or adding one later breaks the chain like any other edit.
 */
const OPTIONAL_FIELDS = ['subject', 'issuer', 'clientId'] as const satisfies readonly (keyof AuditEventInput)[];

/**
 * Every key the hashed content can have, in canonicalJson's order, with its JSON spelling, so
 * sealing builds the top level directly instead of sorting entries per event (issue #15). The
 * SQLite writer thread builds the same content from a row's values in this order.
 */
export const HASHED_KEYS = [...new Set(['seq', 'prevHash', ...CONTENT_FIELDS, ...OPTIONAL_FIELDS] as const)]
  .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  .map((key) => ({ key, json: JSON.stringify(key), optional: (OPTIONAL_FIELDS as readonly string[]).includes(key) }));

/**
 * The whole hashed content of an event at `seq` after `prevHash`: canonicalJson of the event with
 * both, except that an optional field that is null counts as absent. chain.test.ts holds it equal
 * to canonicalJson; the SQLite writer builds the same text from the row it stores (issue #15).
 */
export function contentJson(event: AuditEventInput, seq: number, prevHash: string): string {
  const fields = event as unknown as Record<string, unknown>;
  let text = '{';
  let separator = '';
  for (const { key, json, optional } of HASHED_KEYS) {
    const value = key === 'seq' ? seq : key === 'prevHash' ? prevHash : fields[key];
    if (value === undefined || (optional && value === null)) continue;
    text += `${separator}${json}:${canonicalJson(value)}`;
    separator = ',';
  }
  return `${text}}`;
}

export function hashEvent(event: AuditEventInput, seq: number, prevHash: string, key?: Buffer): string {
  const content = contentJson(event, seq, prevHash);
  if (key) return createHmac('sha256', key).update(content).digest('hex');
  return sha256(content);
}

export function sealEvent(event: AuditEventInput, seq: number, prevHash: string, key?: Buffer): AuditEvent {
  return withSeal(event, { seq, prevHash, hash: hashEvent(event, seq, prevHash, key) });
}

/**
 * The event with its place in the chain. Spelled out field by field: `{ ...event, seq, ... }`
 * took ~9 µs per event (V8 leaves its fast clone path when properties are added to a spread
 * this wide) against ~0.1 µs for a literal, and showed at ~5% of a profile (issue #15).
 */
export function withSeal(
  e: AuditEventInput,
  seal: { readonly seq: number; readonly prevHash: string; readonly hash: string },
): AuditEvent {
  return {
    id: e.id,
    time: e.time,
    kind: e.kind,
    requestId: e.requestId,
    callId: e.callId,
    surface: e.surface,
    client: e.client,
    actor: e.actor,
    tenant: e.tenant,
    tool: e.tool,
    decision: e.decision,
    reason: e.reason,
    outcome: e.outcome,
    errorCode: e.errorCode,
    inputSummary: e.inputSummary,
    outputSummary: e.outputSummary,
    resultBytes: e.resultBytes,
    resultTokens: e.resultTokens,
    sourceIds: e.sourceIds,
    latencyMs: e.latencyMs,
    data: e.data,
    ...(e.subject === undefined ? {} : { subject: e.subject }),
    ...(e.issuer === undefined ? {} : { issuer: e.issuer }),
    ...(e.clientId === undefined ? {} : { clientId: e.clientId }),
    seq: seal.seq,
    prevHash: seal.prevHash,
    hash: seal.hash,
  };
}

type Problem = Extract<VerifyReport, { ok: false }>['problem'];

/**
 * Walks events in seq order, one at a time, so a store can stream a log of any length through
 * it in constant memory: `step` names the first event that does not check out; `finish` checks
 * the tail against `head`, the last (seq, hash) the store recorded when it committed, and, given
 * an anchor kept elsewhere, that the log still holds the event it names.
 */
export function createChainWalker(key?: Buffer, anchor?: AuditAnchor) {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  const bad = (seq: number, id: string | null, problem: Problem, message: string): VerifyReport => ({
    ok: false,
    count,
    firstBadSeq: seq,
    firstBadId: id,
    problem,
    message,
  });
  // The newest `toolgate restore` the walk has passed, and where the log it replaced ended: an
  // anchor from before a restore no longer holds, as it should not, but the message said only
  // TAMPERED while the log itself says why (outside probe).
  let restore: { seq: number; time: string; actor: string; endedAt: number } | null = null;
  const afterRestore = (anchorSeq: number): string => {
    if (!restore || restore.endedAt < anchorSeq) return '';
    return (
      ` — but the log records a restore at event ${restore.seq} (${restore.time}, by ${restore.actor}): the log it ` +
      `replaced ended at event ${restore.endedAt} and was kept beside the database as <db>.replaced-<time>; ` +
      'check the anchor against that file'
    );
  };
  const missing = (seq: number, id: string): VerifyReport | null =>
    seq === expectedSeq
      ? null
      : bad(
          expectedSeq,
          null,
          'missing_event',
          `event ${expectedSeq} is missing (next stored event is ${seq}, id ${id})`,
        );
  return {
    step(event: AuditEvent): VerifyReport | null {
      const gap = missing(event.seq, event.id);
      if (gap) return gap;
      if (event.prevHash !== prevHash) {
        const what = 'an event was removed, inserted or reordered';
        return bad(
          event.seq,
          event.id,
          'broken_link',
          `event ${event.seq} (${event.id}) does not link to event ${event.seq - 1}: ${what}`,
        );
      }
      if (hashEvent(event, event.seq, event.prevHash, key) !== event.hash) {
        return bad(
          event.seq,
          event.id,
          'hash_mismatch',
          `event ${event.seq} (${event.id}) was changed after it was written`,
        );
      }
      const replacedEnd = event.kind === 'store.restored' ? event.data?.replacedEnd : undefined;
      if (replacedEnd && typeof (replacedEnd as { seq?: unknown }).seq === 'number')
        restore = {
          seq: event.seq,
          time: event.time,
          actor: event.actor,
          endedAt: (replacedEnd as { seq: number }).seq,
        };
      if (anchor && event.seq === anchor.seq && event.hash !== anchor.hash) {
        return bad(
          event.seq,
          event.id,
          'anchor_mismatch',
          `event ${event.seq} (${event.id}) is not the event the anchor recorded: the log was rewritten from there or before` +
            afterRestore(anchor.seq),
        );
      }
      prevHash = event.hash;
      expectedSeq++;
      count++;
      return null;
    },
    /**
     * A stored row that is not as the gateway wrote it (`notAsWritten` in store/audit-rows.ts), in
     * its place in the walk: what step() would say of an earlier gap still comes first.
     */
    malformed(seq: number, id: string, what: string): VerifyReport {
      return missing(seq, id) ?? bad(seq, id, 'not_as_written', `event ${seq} (${id}) ${what}`);
    },
    finish(head: { seq: number; hash: string } | null): VerifyReport {
      const lastSeq = expectedSeq - 1;
      if (head && (head.seq !== lastSeq || head.hash !== prevHash)) {
        return head.seq > lastSeq
          ? bad(
              lastSeq + 1,
              null,
              'head_mismatch',
              `events ${lastSeq + 1}–${head.seq} were removed from the end of the log`,
            )
          : bad(
              head.seq + 1,
              null,
              'head_mismatch',
              `the recorded head (seq ${head.seq}) does not match the last event (seq ${lastSeq})`,
            );
      }
      if (!head && lastSeq > 0) return bad(lastSeq, null, 'head_mismatch', 'the head record is missing');
      // The head row agrees, so it was moved back with the events: only the anchor can tell.
      if (anchor && anchor.seq > lastSeq) {
        const ends = lastSeq === 0 ? 'the log is empty' : `the log ends at event ${lastSeq}`;
        return bad(
          lastSeq + 1,
          null,
          'anchor_mismatch',
          `${ends}, but the anchor recorded event ${anchor.seq}: events were removed from the end (the head record was moved back with them)` +
            afterRestore(anchor.seq),
        );
      }
      return { ok: true, count, headSeq: lastSeq, headHash: prevHash };
    },
  };
}

export type ChainWalker = ReturnType<typeof createChainWalker>;
