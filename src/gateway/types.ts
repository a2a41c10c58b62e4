import type { Logger } from 'pino';
import type { AnyTool, ToolLimits } from '../contract/types.js';
import type { CredentialProvider } from '../credentials/provider.js';
import type { Store } from '../store/types.js';
import type { EgressConfig } from '../egress/egress-config.js';
import type { Resolver } from '../egress/resolve.js';

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
  /**
   * Values that must never appear in a result, a log line or an audit row, beyond the handlers'
   * credentials: the gateway's own inbound tokens, approver tokens, signing keys.
   */
  readonly secrets?: readonly string[];
  /**
   * Egress allowlist per credential: `{ acme_billing_read: ['billing.acme.internal', '10.0.0.0/8:8443'] }`.
   * A tool's `ctx.fetch` (and its action's) reaches only the hosts of the credentials it declares.
   */
  readonly egress?: EgressConfig;
  /**
   * Issue #16: every write action off. Actions are not listed, cannot be drafted (a call is refused
   * as `forbidden` and audited), and drafts already waiting cannot be approved, retried or rolled
   * back; rejecting and closing them still work. Reads are untouched.
   */
  readonly readOnly?: boolean;
  /** @internal Name resolution for `ctx.fetch`; tests pin names to local addresses. */
  readonly egressResolver?: Resolver;
  /** Public base URL of this gateway (e.g. https://toolgate.example.com), used for approval links. */
  readonly publicUrl?: string;
  /** Clock, for tests. */
  readonly now?: () => number;
  /** @internal Replaces the stage list; tests use it to prove each stage is load-bearing. */
  readonly stages?: typeof import('../pipeline/run.js').STAGES;
}

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
