import type { Principal, Surface } from '../auth/principal.js';
import type { Cut } from '../budget/fit-to-budget.js';
import type { PublicError } from '../errors/toolgate-error.js';

/**
 * What goes into a call and what comes out of it. These types sit in the pipeline, below the
 * gateway and the surfaces that use them, so types flow down and no stage imports upward.
 */

export interface CallRequest {
  readonly tool: string;
  readonly args: unknown;
  readonly principal: Principal;
  /** The client application (its toolset decides what it sees). */
  readonly client: string;
  readonly surface: Surface;
  readonly requestId?: string | null;
  /** The surface's id for this call (MCP request id, Messages-API tool_use id); generated if absent. */
  readonly callId?: string | null;
  /** Aborts the handler when the caller goes away. */
  readonly signal?: AbortSignal;
}

export interface GuardWarningOut {
  readonly field: string;
  readonly source: string | null;
  readonly rules: readonly string[];
  readonly message: string;
}

export interface CallSuccess {
  readonly ok: true;
  readonly auditId: string;
  /** The result object the model receives (matches the tool's published output schema). */
  readonly structured: Record<string, unknown>;
  /** Compact JSON text of the same result (exactly `JSON.stringify(structured)`), for routes that pass only text on. */
  readonly text: string;
  readonly warnings: readonly GuardWarningOut[];
  readonly truncated: readonly Cut[];
  readonly resultBytes: number;
  readonly resultTokens: number;
}

export interface CallFailure {
  readonly ok: false;
  /** Null only when the audit record itself could not be written. */
  readonly auditId: string | null;
  readonly error: PublicError;
  /** Compact JSON text of `{ error }`, for text-only routes. */
  readonly text: string;
}

export type CallResult = CallSuccess | CallFailure;
