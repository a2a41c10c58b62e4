import { ERROR_CODES, type ErrorCode } from './codes.js';

export interface ToolgateErrorOptions {
  /** The input field at fault (invalid_input), as `a.b[2].c`. */
  readonly field?: string;
  /** For rate_limited: when a retry may succeed. */
  readonly retryAfterMs?: number;
  /** Goes to the log and audit reason only; never to the caller. */
  readonly detail?: string;
  /** What the audit records when it must differ from what the caller is told (tenant_mismatch). */
  readonly auditCode?: ErrorCode;
  /**
   * Whether repeating the call may help, where the code's default is wrong: a write that took
   * effect but could not be recorded is `unavailable`, and must not be repeated.
   */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

/**
 * Marks a ToolgateError across module instances: a user's config loaded through a TypeScript
 * loader may hold its own copy of this module, and its `notFound()` must still count as typed.
 */
const BRAND = Symbol.for('toolgate.error');

/**
 * The one error type of Toolgate. Its `message` is written for the model and the user:
 * short, no internals. Anything internal goes in `detail` (log only).
 */
export class ToolgateError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly detail: string | undefined;
  readonly auditCode: ErrorCode | undefined;
  private readonly retryableOverride: boolean | undefined;

  constructor(code: ErrorCode, message?: string, options: ToolgateErrorOptions = {}) {
    super(message ?? ERROR_CODES[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolgateError';
    this.code = code;
    this.field = options.field;
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail;
    this.auditCode = options.auditCode;
    this.retryableOverride = options.retryable;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses (StoreUnavailableError) keep the ordinary prototype check.
    if (this !== ToolgateError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  get [BRAND](): boolean {
    return true;
  }

  get retryable(): boolean {
    return this.retryableOverride ?? ERROR_CODES[this.code].retryable;
  }
}

/** What leaves the gateway: safe to show the model, the user and any client. */
export interface PublicError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly audit_id: string | null;
  readonly field?: string;
  readonly retry_after_seconds?: number;
}

export function toPublicError(error: ToolgateError, auditId: string | null): PublicError {
  return {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    audit_id: auditId,
    ...(error.field === undefined ? {} : { field: error.field }),
    ...(error.retryAfterMs === undefined
      ? {}
      : { retry_after_seconds: Math.max(1, Math.ceil(error.retryAfterMs / 1000)) }),
  };
}

/**
 * Anything a handler throws that is not a ToolgateError becomes `internal`, details hidden; a
 * fetch whose service did not answer (refused, reset, timed out) becomes `upstream_unavailable`.
 */
export function asToolgateError(thrown: unknown): ToolgateError {
  if (thrown instanceof ToolgateError) return thrown;
  const detail = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  // fetch's network failure (ctx.fetch keeps fetch's shape): the service did not answer, which a
  // caller may retry. It was `internal`, "not retryable" (outside probe, the README's own handler
  // against a service that was down). Only a cause that says so: a refused redirect, a bad
  // certificate or a blocked port also read `fetch failed` and stay `internal` (review).
  if (thrown instanceof TypeError && thrown.message === 'fetch failed' && UNREACHABLE.has(causeCode(thrown)))
    return new ToolgateError('upstream_unavailable', undefined, { detail, cause: thrown });
  return new ToolgateError('internal', undefined, { detail, cause: thrown });
}

/**
 * The error codes of a service that did not answer now and may later (Node's and undici's): a
 * handler's `fetch`, and a PostgreSQL connection that was lost (isConnectionLoss).
 */
export const UNREACHABLE: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const causeCode = (error: Error): string => {
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
};

// Small constructors tool authors use in handlers, so errors read like the domain.
export const notFound = (what: string) => new ToolgateError('not_found', `${what} was not found.`);
export const conflict = (why: string) => new ToolgateError('conflict', why);
export const upstreamUnavailable = (service: string, detail?: string) =>
  new ToolgateError(
    'upstream_unavailable',
    `${service} is unavailable; try again shortly.`,
    detail === undefined ? {} : { detail },
  );
export const invalidInput = (field: string, why: string) =>
  new ToolgateError('invalid_input', `${field}: ${why}`, { field });

/** Thrown by stores when the database cannot be reached; the gateway maps it to `unavailable`. */
export class StoreUnavailableError extends ToolgateError {
  constructor(detail: string, cause?: unknown) {
    super('unavailable', undefined, { detail, cause });
    this.name = 'StoreUnavailableError';
  }
}
