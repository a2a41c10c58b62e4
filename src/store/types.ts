import type { AppliedMigration } from './common-migrations.js';
import type { AuditAnchor, AuditEvent, AuditEventInput, AuditFilter, VerifyReport } from '../audit/event.js';

/**
 * What the gateway needs from storage. SQLite (embedded, the default) and PostgreSQL
 * (several gateway instances) implement it with the same behaviour; test/store/suite.ts
 * holds the conformance tests both must pass.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly audit: AuditLog;
  readonly rateLimits: RateLimitStore;
  readonly idempotency: IdempotencyStore;
  readonly drafts: DraftStore;
  /** Console sign-in sessions and pending OIDC sign-ins, shared by every gateway instance on the store. */
  readonly sessions: SessionStore;
  /**
   * Migrations the database records that this build does not know, found when it was opened: a
   * newer Toolgate migrated it. Usually empty; the gateway warns at start when it is not.
   */
  readonly newerSchema: readonly AppliedMigration[];
  /**
   * Throws StoreUnavailableError when the store cannot serve requests (readiness): unreachable,
   * migrations pending, or a one-row write probe cannot be committed (full disk, read-only).
   */
  ping(): Promise<void>;
  /** Flushes pending audit writes and releases the connection(s). Idempotent. */
  close(): Promise<void>;
}

export interface AuditLog {
  /**
   * Appends one event and resolves only after it is durably committed (group commit:
   * events appended concurrently share one transaction). Rejects if it could not be stored.
   */
  append(event: AuditEventInput): Promise<AuditEvent>;
  query(filter: AuditFilter): Promise<AuditEvent[]>;
  get(id: string): Promise<AuditEvent | null>;
  /**
   * Walks the whole chain and names the first event that was changed, removed or reordered; with
   * an anchor, also whether the log still holds the event it recorded. `progress` hears the
   * number of events checked so far every VERIFY_PROGRESS_EVERY (1,000) events: a long log takes minutes.
   */
  verify(anchor?: AuditAnchor, progress?: (checked: number) => void): Promise<VerifyReport>;
  /** The chain's newest (seq, hash) as the store records it; null while the log is empty. */
  chainHead(): Promise<AuditAnchor | null>;
  /** Subscribes to each durable commit of this process's appends (/metrics). Returns an unsubscribe function. */
  onCommit(listener: (commit: AuditCommit) => void): () => void;
}

/** What reading the audit log needs: the CLI's `audit` commands use nothing else. */
export type AuditReading = Pick<AuditLog, 'query' | 'get' | 'verify' | 'chainHead'> & {
  /** The key check the log was sealed under (audit/key-check.ts); null for a log from before it was kept. */
  recordedKeyCheck(): Promise<string | null>;
};

/**
 * One group commit: what an append waits for before its caller is answered. Its time is where a
 * slow disk shows (issue #15: the soak's stalls were single commits of 0.1–0.4 s).
 */
export interface AuditCommit {
  /**
   * From the transaction's start to its COMMIT returning: waiting for the write lock, the
   * inserts, the fsync and any checkpoint SQLite runs inside the COMMIT.
   */
  readonly seconds: number;
  /** Events in it (the batch size). */
  readonly events: number;
}

export interface RateRule {
  /** Bucket size: how many calls may burst. */
  readonly capacity: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** 0 when allowed; otherwise how long until one token is available. */
  readonly retryAfterMs: number;
  readonly remaining: number;
  /** Tokens taken: 1 for a plain take, up to `want` for a lease, 0 when refused. */
  readonly granted: number;
}

export interface RateLimitStore {
  /**
   * Takes one token from the bucket `key` (created full on first use), or with `want` up to that
   * many whole tokens at once: a lease an instance then hands out from memory (rate-limit-leases.ts).
   */
  take(key: string, rule: RateRule, nowMs: number, want?: number): Promise<RateDecision>;
}

export type IdempotencyClaim =
  | { readonly state: 'claimed' }
  | { readonly state: 'in_progress'; readonly since: string }
  | { readonly state: 'completed'; readonly result: string }
  | { readonly state: 'fingerprint_mismatch' };

export interface IdempotencyStore {
  /**
   * Claims `key` for one execution. The first caller gets `claimed`; later callers see the
   * stored outcome or `in_progress`. Reusing a key with a different fingerprint (another
   * request body) is refused.
   */
  claim(key: string, fingerprint: string): Promise<IdempotencyClaim>;
  complete(key: string, result: string): Promise<void>;
  /** Gives up a claim that failed before any side effect, so a retry may run. */
  release(key: string): Promise<void>;
  /**
   * Takes over a claim still `in_progress` since `since` (as `claim` reported it), for a caller
   * that knows its holder has stopped (its lease is over). True for exactly one caller: the claim's
   * time moves to now, so a second taker holding the same `since` gets false.
   */
  takeOver(key: string, since: string): Promise<boolean>;
}

export type DraftStatus =
  | 'awaiting_approval'
  | 'approved'
  | 'executing'
  | 'executed'
  | 'verified'
  | 'unverified'
  /** The write may or may not have happened (timeout, reset, crash) and verify could not tell. */
  | 'unresolved'
  | 'failed'
  | 'rejected'
  | 'expired'
  | 'rolled_back';

export interface DraftRecord {
  readonly id: string;
  readonly tool: string;
  readonly tenant: string;
  readonly requester: string;
  readonly client: string;
  readonly risk: 'low' | 'medium' | 'high';
  /** Canonical JSON of the validated input. */
  readonly input: string;
  /** Canonical JSON of the preview shown to the approver. */
  readonly preview: string;
  /** Hash binding an approval to this exact tool + input + preview. */
  readonly draftHash: string;
  readonly status: DraftStatus;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly updatedAt: string;
  /** Optimistic-concurrency counter; bumped on every transition. */
  readonly version: number;
  /** JSON: approvals, execution result, verification, rollback; shape owned by src/actions. */
  readonly state: string;
}

export interface DraftFilter {
  readonly status?: DraftStatus;
  readonly tenant?: string;
  readonly limit?: number;
  /**
   * `newest` (the default, as before) or `oldest` first. Ties on `createdAt` are broken by id,
   * so a page boundary never skips or repeats a draft.
   */
  readonly order?: 'newest' | 'oldest';
  /** Keyset paging: only drafts after this one in `order` (the last draft of the previous page). */
  readonly after?: DraftPosition;
  /**
   * Only drafts whose `expiresAt` is later than this: with `awaiting_approval`, the ones that can
   * still be approved (a draft past its expiry keeps its status until someone acts on it).
   */
  readonly expiresAfter?: string;
}

/** Where a draft sits in a list: what a page cursor carries. */
export interface DraftPosition {
  readonly createdAt: string;
  readonly id: string;
}

/**
 * The most drafts awaiting approval (and not yet past `expiresAt`) a new draft may join. Outside
 * probe, 2026-12-07: with no such limit one token stored 1,000 drafts of ~30 KB in 4.7 s and
 * buried every other caller's drafts in the approvers' lists. Checked by the store, in the
 * transaction that inserts, so it holds across gateway instances and concurrent calls.
 */
export interface WaitingCap {
  /** The requester's own waiting drafts, of any action, in the draft's tenant. */
  readonly perRequester: number;
  /** All waiting drafts in the draft's tenant; undefined for no tenant-wide limit. */
  readonly perTenant?: number | undefined;
}

export type DraftCreated =
  | { readonly created: true }
  | {
      readonly created: false;
      /** Which limit was reached. */
      readonly over: 'requester' | 'tenant';
      /** Drafts waiting under that limit when the draft was refused. */
      readonly waiting: number;
      readonly limit: number;
      /** The earliest `expiresAt` among them: when one will stop counting at the latest. */
      readonly nextExpiry: string | null;
    };

/**
 * The audit event of a draft change, kept by the store in the same transaction as the change
 * until it is in the audit log (an outbox). The SQLite audit has its own writer thread, so the
 * change and its event cannot share one transaction; a store that failed between the two left
 * the move without its event. Now the event waits here and the recovery sweep writes it.
 */
export interface QueuedAudit {
  /** The audit event's id: appending it twice is refused, so it is written once. */
  readonly id: string;
  /** JSON of the AuditEventInput, as built when the change was made. */
  readonly event: string;
}

export interface DraftStore {
  /**
   * Stores a new draft, with the event that records it queued in the same transaction. With
   * `cap`, first counts the waiting drafts (status `awaiting_approval`, `expiresAt` after the new
   * draft's `createdAt`) in that same transaction, serialised per requester (and per tenant when
   * it has a limit), and stores nothing when a limit is already reached: concurrent creates
   * on any number of instances never exceed it.
   */
  create(draft: DraftRecord, queued?: QueuedAudit, cap?: WaitingCap): Promise<DraftCreated>;
  get(id: string): Promise<DraftRecord | null>;
  list(filter: DraftFilter): Promise<DraftRecord[]>;
  /**
   * Compare-and-set: applies `patch` only if the draft is still at `expectedVersion`, queuing
   * `queued` with it. Returns the updated record, or null if someone else moved it first (and
   * then queues nothing).
   */
  update(
    id: string,
    expectedVersion: number,
    patch: { readonly status?: DraftStatus; readonly state?: string },
    nowIso: string,
    queued?: QueuedAudit,
  ): Promise<DraftRecord | null>;
  /** Forgets a queued event once it is in the audit log (nothing if it is not queued). */
  dequeueAudit(id: string): Promise<void>;
  /** Events queued before `beforeIso` and still not dequeued, oldest first. */
  queuedAudits(beforeIso: string, limit: number): Promise<QueuedAudit[]>;
}

/**
 * One console session or one pending OIDC sign-in (issue #12). The store only ever sees a
 * SHA-256 digest of the id the browser holds, so a database dump cannot be replayed as a cookie.
 */
export interface SessionRecord {
  /** Hex SHA-256 of the cookie value. */
  readonly idHash: string;
  /** `session` (signed in) or `oidc_login` (between the redirect to the IdP and the callback). */
  readonly kind: 'session' | 'oidc_login';
  /** JSON owned by src/console: principal and CSRF token, or state, nonce and PKCE verifier. */
  readonly data: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface SessionStore {
  create(record: SessionRecord): Promise<void>;
  /** The record of `kind`, or null when there is none or it expired at `nowIso`. */
  get(idHash: string, kind: SessionRecord['kind'], nowIso: string): Promise<SessionRecord | null>;
  /** Get and delete in one step, so a one-time record (a pending sign-in) is used at most once. */
  take(idHash: string, kind: SessionRecord['kind'], nowIso: string): Promise<SessionRecord | null>;
  /** True when a record was deleted. */
  delete(idHash: string): Promise<boolean>;
  /** Removes every record expired at `nowIso`; returns how many. */
  deleteExpired(nowIso: string): Promise<number>;
}
