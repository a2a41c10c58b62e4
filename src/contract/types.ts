import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Principal, Surface } from '../auth/principal.js';
import type { CursorCodec } from './cursor.js';

/** `ctx.fetch`: fetch's shape, limited to the tool's egress allowlist (src/egress). */
export type EgressFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Per-tool limits. Every field has a default (src/contract/default-limits.ts); declare only what differs. */
export interface ToolLimits {
  /** The handler is aborted after this long. */
  readonly timeoutMs?: number;
  /** Largest result the model may receive, after redaction and wrapping. */
  readonly maxResultBytes?: number;
  /** Same budget in estimated tokens (≈ bytes / 4); the tighter of the two wins. */
  readonly maxResultTokens?: number;
  /** Largest arguments object accepted, as JSON bytes. */
  readonly maxInputBytes?: number;
  /** Token bucket per principal and tool. */
  readonly rate?: { readonly perMinute: number; readonly burst?: number };
  /** Longest untrusted text field, in characters, before it is cut with a marker. */
  readonly maxUntrustedChars?: number;
  /**
   * Largest response body the handler may read through `ctx.fetch`, in bytes after decompression
   * (default 10 MiB). A larger Content-Length fails the fetch, a longer body fails the read, with
   * `result_too_large`. Set it per tool here, or for every tool in the config's `defaults`.
   */
  readonly maxFetchBytes?: number;
}

/** A field whose text comes from outside the company's control: tickets, notes, emails, documents. */
export interface UntrustedFieldSpec {
  /** Field path in the output, e.g. `tickets[].body`. */
  readonly field: string;
  /** What kind of content it is, shown in the label, e.g. `support_ticket`. */
  readonly kind: string;
  /** Sibling key holding the record id used as the label's source, e.g. `id`. */
  readonly sourceIdField?: string;
}

/**
 * How the tenant boundary finds the tenant of what a call touches.
 * - `{ ownerOf }`: looks up the owning tenant of the record named in the input (null: no such record).
 * - `'caller'`: the tool only ever reads within `ctx.principal.tenant` (e.g. a search), so there
 *   is no foreign id to check; the handler must scope its query to that tenant.
 */
export type TenantRule<I> =
  'caller' | { readonly ownerOf: (input: I, ctx: ToolContext) => Promise<string | null> | string | null };

export interface ToolContext {
  readonly principal: Principal;
  readonly client: string;
  readonly surface: Surface;
  readonly requestId: string | null;
  readonly callId: string;
  readonly auditId: string;
  /** Resolves a server-side secret declared in the tool's `credentials`, for the current environment. */
  credential(name: string): string;
  readonly logger: Logger;
  /** Aborted when the deadline passes or the caller goes away; pass it to fetch(). */
  readonly signal: AbortSignal;
  /**
   * fetch, limited to the hosts of the tool's credentials (`egress` in the config) and already
   * bound to `signal`. Any other host, a special address (loopback, private, metadata) that is not
   * listed, or a redirect off the list is refused with `egress_denied`, and the audit records it.
   */
  readonly fetch: EgressFetch;
  /** Epoch milliseconds after which the result will be discarded. */
  readonly deadline: number;
  /** Opaque, tamper-proof pagination cursors. */
  readonly cursor: CursorCodec;
}

export interface ToolSpec<I extends z.ZodType, O extends z.ZodType> {
  /** snake_case verb_noun: `get_customer_billing_summary`. */
  readonly name: string;
  readonly title?: string;
  /** What the tool is for and when to use it; the model reads this. */
  readonly description: string;
  readonly input: I;
  readonly output: O;
  /** All of these scopes are required. */
  readonly scopes: readonly string[];
  /** If set, the principal needs at least one of these roles. */
  readonly roles?: readonly string[];
  readonly tenant: TenantRule<z.output<I>>;
  readonly limits?: ToolLimits;
  readonly untrusted?: readonly UntrustedFieldSpec[];
  /** Output fields allowed to carry PII that would otherwise be masked, e.g. `customer.email`. */
  readonly allowPii?: readonly string[];
  /** Output field listing the internal record ids the result was built from. Default `source_records`. */
  readonly sourcesField?: string;
  /** Names of server-side credentials the handler may resolve; nothing else is reachable. */
  readonly credentials?: readonly string[];
  /** Reads only Toolgate's own store (e.g. draft status), so it needs no internal-API credential. */
  readonly gatewayDataOnly?: boolean;
  readonly handler: (input: z.output<I>, ctx: ToolContext) => Promise<z.input<O>> | z.input<O>;
}

export type ToolKind = 'read' | 'action';

/** What defineTool returns: the spec, checked, plus everything derived from it. */
export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> extends ToolSpec<
  I,
  O
> {
  readonly kind: ToolKind;
  /** JSON Schema 2020-12 derived from `input` (what the model must send). */
  readonly inputJsonSchema: Readonly<Record<string, unknown>>;
  /** JSON Schema 2020-12 derived from `output`, plus the gateway's `notices` envelope. */
  readonly outputJsonSchema: Readonly<Record<string, unknown>>;
  readonly annotations: ToolAnnotations;
  /** For actions (defineAction): what runs after approval. Absent on read tools. */
  readonly action?: ActionRuntimeSpec;
}

/** MCP tool annotations, derived from the kind of tool, never written by hand. */
export interface ToolAnnotations {
  readonly title?: string;
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a toolset mixes tools of any schema types
export type AnyTool = ToolDefinition<any, any>;

export type Risk = 'low' | 'medium' | 'high';

export interface ApprovalPolicy {
  /** An approver needs one of these roles (and the draft's tenant). */
  readonly roles: readonly string[];
  /** May the principal who asked for the draft approve it? Default false. */
  readonly allowSelfApproval?: boolean;
  /** Distinct approvers needed. Default 1; set 2 for four-eyes on high risk. */
  readonly approvers?: number;
  /** How long a draft waits for approval, in ms. Default 24 h. */
  readonly expiresInMs?: number;
  /** Low risk only: approve at once as `system:auto-approve` (still drafted, audited, verified). */
  readonly autoApprove?: boolean;
  /**
   * Most drafts one caller (actor) may have awaiting approval in its tenant — of any action, not
   * yet expired — for this action to draft another; past it the call is refused with `conflict`
   * until some are approved, rejected or expire. Default 50 (DEFAULT_MAX_WAITING_PER_CALLER);
   * `Infinity` for no limit. Outside probe, 2026-12-07: one token stored 1,000 drafts in 4.7 s and
   * buried everyone else's in the approvers' lists.
   */
  readonly maxWaitingPerCaller?: number;
  /**
   * Most drafts a whole tenant may have awaiting approval for this action to draft another.
   * Default: no tenant-wide limit, since every caller in the tenant shares it and one caller at
   * it would turn everyone else away. Set it to bound what a tenant's approvers can be asked at once.
   */
  readonly maxWaitingPerTenant?: number;
}

/** Handed to execute / verify / rollback: what the internal API call needs, nothing more. */
export interface ActionContext {
  readonly draftId: string;
  /** Derived from the draft; send it to the internal API so a retried request cannot act twice. */
  readonly idempotencyKey: string;
  readonly tenant: string;
  readonly requester: string;
  readonly approvers: readonly string[];
  credential(name: string): string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** fetch, limited to the action's egress allowlist (see ToolContext.fetch); refusals are audited. */
  readonly fetch: EgressFetch;
}

export interface Verification {
  readonly ok: boolean;
  /** What was observed, for the audit log and the approver. */
  readonly detail: string;
}

/** How to undo a write, shown before approval; without it the preview says there is no rollback. */
export interface RollbackSpec<I = unknown, R = unknown> {
  /** Shown before approval: what a rollback would do. */
  readonly description: string;
  readonly run: (input: I, result: R, ctx: ActionContext) => Promise<Verification>;
}

/**
 * The executable half of an action, kept on its tool definition for the approval service. It lives
 * here, beside ToolDefinition, so the contract never imports from src/actions (types flow down).
 */
export interface ActionRuntimeSpec {
  readonly risk: Risk;
  readonly approval: Required<Omit<ApprovalPolicy, 'autoApprove' | 'maxWaitingPerTenant'>> & {
    readonly autoApprove: boolean;
    readonly maxWaitingPerTenant: number | undefined;
  };
  readonly input: z.ZodType;
  readonly credentials: readonly string[];
  /** Deadline for execute, verify and rollback; past it the outcome is unknown and reconciled. */
  readonly executeTimeoutMs: number;
  readonly execute: (input: unknown, ctx: ActionContext) => Promise<unknown>;
  readonly verify: (input: unknown, result: unknown, ctx: ActionContext) => Promise<Verification>;
  readonly rollback?: RollbackSpec;
}
