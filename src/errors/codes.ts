/**
 * Every error Toolgate can return, in one table (the model sees `code`, `message`, `retryable`).
 * Mappers to HTTP, JSON-RPC and Messages-API results read this table; nothing else decides them.
 */
export const ERROR_CODES = {
  invalid_input: { retryable: false, http: 400, message: "The arguments do not match the tool's input schema." },
  unauthenticated: { retryable: false, http: 401, message: 'No valid credential was presented.' },
  forbidden: { retryable: false, http: 403, message: 'The caller is not allowed to use this tool.' },
  tenant_mismatch: { retryable: false, http: 403, message: 'The record belongs to another tenant.' },
  not_found: { retryable: false, http: 404, message: 'The record or tool does not exist.' },
  conflict: { retryable: false, http: 409, message: 'The request conflicts with the current state.' },
  approval_required: { retryable: false, http: 409, message: 'This action needs a human approval first.' },
  payload_too_large: { retryable: false, http: 413, message: 'The request is larger than the gateway accepts.' },
  // A result the output budget cannot cut down (no list to shorten, no long text to trim): the
  // caller can still get an answer by asking for less, so it is not `internal`.
  result_too_large: {
    retryable: false,
    http: 422,
    message: "The result does not fit the tool's output budget even when cut; narrow the query.",
  },
  rate_limited: { retryable: true, http: 429, message: 'Too many calls; wait before retrying.' },
  timeout: { retryable: true, http: 504, message: 'The tool did not finish in time.' },
  upstream_unavailable: { retryable: true, http: 502, message: 'The internal service is unavailable.' },
  egress_denied: {
    retryable: false,
    http: 403,
    message: 'The tool tried to reach a host outside its egress allowlist; nothing was sent there.',
  },
  unavailable: {
    retryable: true,
    http: 503,
    message: 'The gateway cannot record this call right now; nothing was returned.',
  },
  internal: { retryable: false, http: 500, message: 'The tool failed unexpectedly.' },
} as const satisfies Record<string, { retryable: boolean; http: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
