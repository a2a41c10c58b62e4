import type { Surface } from '../auth/principal.js';
import { newId } from '../util/ids.js';
import { isoTime } from '../util/iso-time.js';

/**
 * One append-only audit record. The pipeline fills an AuditEventInput; the store assigns
 * `seq`, links it to the previous event (`prevHash`) and seals it (`hash`) when it commits.
 * Field names follow the brief's observability list (R7, R10).
 */
export interface AuditEventInput {
  /** `aud_…`, known before the write so the result can cite it. */
  readonly id: string;
  /** ISO-8601 UTC time the call started. */
  readonly time: string;
  /** `tool_call` for pipeline runs; `action.<transition>` for the write ladder (drafts, approvals). */
  readonly kind: string;
  readonly requestId: string | null;
  readonly callId: string | null;
  readonly surface: Surface;
  readonly client: string;
  readonly actor: string;
  readonly tenant: string | null;
  readonly tool: string;
  /** The policy decision and why: `allow` / `deny`, with e.g. `missing scope billing:read`. */
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  readonly outcome: 'ok' | 'denied' | 'error';
  readonly errorCode: string | null;
  /** Bounded, redacted JSON of the arguments (never the raw input). */
  readonly inputSummary: string;
  /** Bounded, redacted JSON of what was returned, or null on failure. */
  readonly outputSummary: string | null;
  readonly resultBytes: number;
  readonly resultTokens: number;
  /** Ids of the internal records the result was built from (`source_records`). */
  readonly sourceIds: readonly string[];
  readonly latencyMs: number;
  /** Kind-specific extras, e.g. a draft id or approval reason. Redacted and bounded by the writer. */
  readonly data: Readonly<Record<string, unknown>> | null;
  /**
   * OAuth callers (issue #12): the token's subject, issuer and OAuth client id. Absent for static
   * tokens and for events written before migration 3; the hash covers them whenever present.
   */
  readonly subject?: string | undefined;
  readonly issuer?: string | undefined;
  readonly clientId?: string | undefined;
}

export interface AuditEvent extends AuditEventInput {
  /** 1, 2, 3 … with no gaps: a gap means a deleted event. */
  readonly seq: number;
  /** Hash of the previous event (`GENESIS_HASH` for the first). */
  readonly prevHash: string;
  /** Hash over this event's canonical form and `prevHash`. */
  readonly hash: string;
}

export interface AuditFilter {
  readonly actor?: string;
  readonly tool?: string;
  readonly tenant?: string;
  readonly outcome?: AuditEventInput['outcome'];
  readonly kind?: string;
  /** Only events of this OAuth subject. */
  readonly subject?: string;
  /** Only events citing this record id (e.g. a draft id) in their source ids. */
  readonly sourceId?: string;
  /** Inclusive ISO time bounds. */
  readonly since?: string;
  readonly until?: string;
  /** Only events with seq greater than this (for tail -f style paging). */
  readonly afterSeq?: number;
  /** Newest first when true; oldest first by default. */
  readonly newestFirst?: boolean;
  readonly limit?: number;
}

export type AuditProblem =
  'hash_mismatch' | 'broken_link' | 'missing_event' | 'head_mismatch' | 'anchor_mismatch' | 'not_as_written';

/**
 * A (seq, hash) of the chain kept somewhere the database's writers cannot reach (a log shipped
 * off the machine, a ticket, a printout). The chain alone cannot show that its newest events were
 * removed together with the head row moved back, nor that an unkeyed chain was recomputed from some
 * event on; an anchor can: verify then wants event `seq` present with exactly this hash.
 */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
}

export type VerifyReport =
  | { readonly ok: true; readonly count: number; readonly headSeq: number; readonly headHash: string }
  | {
      readonly ok: false;
      readonly count: number;
      /** The first event that does not check out (or the seq where one is missing). */
      readonly firstBadSeq: number;
      readonly firstBadId: string | null;
      readonly problem: AuditProblem;
      readonly message: string;
    };

/** The fields of an event about a request that ran no tool (an edge refusal, a sign-in). */
export type EdgeEventFields = Pick<
  AuditEventInput,
  'kind' | 'surface' | 'client' | 'actor' | 'tenant' | 'decision' | 'reason' | 'outcome' | 'errorCode' | 'data'
> &
  Partial<Pick<AuditEventInput, 'requestId' | 'tool' | 'subject' | 'issuer' | 'clientId'>>;

/**
 * An event for something that happened at the edge rather than in a call: no call id, no input
 * or output, no sources; a fresh id and the current time. One place fills those, so every edge
 * event (auth refusals, throttle blocks, console sign-ins) has the same shape.
 */
export function edgeEvent(fields: EdgeEventFields): AuditEventInput {
  return {
    id: newId('aud'),
    time: isoTime(Date.now()),
    requestId: null,
    callId: null,
    tool: '-',
    inputSummary: '{}',
    outputSummary: null,
    resultBytes: 0,
    resultTokens: 0,
    sourceIds: [],
    latencyMs: 0,
    ...fields,
  };
}

/** ES2024 string methods Node 20 has; the project's lib is ES2023 so nothing newer slips in. */
interface WellFormedText {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * The event as the database will give it back, which is what a verifier hashes. A lone UTF-16
 * surrogate (a client can send one, `"\ud800"`, in a tool name) has no UTF-8 form: SQLite stored
 * something else and returned replacement characters, so a hash over the original never verified
 * and anyone could raise a false tamper alarm; PostgreSQL text cannot hold it, nor a NUL, and
 * refused the row. Each becomes U+FFFD before the event is sealed, in both stores. Nearly every
 * event has neither and is returned as it is.
 */
export function storableEvent(event: AuditEventInput): AuditEventInput {
  let copy: Record<string, unknown> | null = null;
  // Every text field; sourceIds and data are stored as JSON, which escapes both, so need nothing.
  // for…in, not Object.entries: this runs on every call, and the entries cost ~1 µs (issue #15).
  for (const field in event) {
    const value = (event as unknown as Record<string, unknown>)[field];
    if (typeof value !== 'string') continue;
    const text = value as unknown as WellFormedText & string;
    if (!text.isWellFormed() || text.includes('\u0000'))
      (copy ??= { ...event })[field] = text.toWellFormed().replaceAll('\u0000', '\uFFFD');
  }
  return (copy ?? event) as AuditEventInput;
}
