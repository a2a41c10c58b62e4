import type { Logger } from 'pino';
import type { Principal, Surface } from '../auth/principal.js';
import type { AnyTool, ToolLimits } from '../contract/types.js';
import type { CredentialProvider } from '../credentials/provider.js';
import type { PublicError } from '../errors/toolgate-error.js';
import type { Store } from '../store/types.js';

export interface GatewayOptions {
  readonly tools: readonly AnyTool[];
  readonly store: Store;
  /**
   * Which tools each client may see and call (R14): `{ support_app: ['get_customer_billing_summary'] }`.
   * `'*'` is the toolset of clients not listed. Without `toolsets`, every client gets every tool.
   */
  readonly toolsets?: Readonly<Record<string, readonly string[]>>;
  readonly credentials?: CredentialProvider;
  /** Defaults applied to tools that do not declare a limit. */
  readonly defaults?: ToolLimits;
  readonly logger?: Logger;
  /** Signs pagination cursors; set it (TOOLGATE_CURSOR_KEY) so cursors survive restarts and work across instances. */
  readonly cursorKey?: string;
  /** Public base URL of this gateway (e.g. https://toolgate.example.com), used for approval links. */
  readonly publicUrl?: string;
  /** Clock, for tests. */
  readonly now?: () => number;
  /** @internal Replaces the stage list; tests use it to prove each stage is load-bearing. */
  readonly stages?: typeof import('../pipeline/run.js').STAGES;
}

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

export interface Cut {
  readonly field: string;
  readonly unit: 'items' | 'characters';
  readonly kept: number;
  readonly omitted: number;
}

export interface CallSuccess {
  readonly ok: true;
  readonly auditId: string;
  /** The result object the model receives (matches the tool's published output schema). */
  readonly structured: Record<string, unknown>;
  /** Compact JSON text of the same result, for routes that pass only text on. */
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

/** What a surface lists for a client. */
export interface ToolDescriptor {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly outputSchema: Readonly<Record<string, unknown>>;
  readonly annotations: AnyTool['annotations'];
  readonly kind: AnyTool['kind'];
  /** The result budget in estimated tokens (the tighter of bytes and tokens). */
  readonly maxResultTokens: number;
}
