import type { Logger } from 'pino';
import type { z } from 'zod';
import type { TenantRule, ToolContext, ToolLimits, UntrustedFieldSpec } from '../contract/types.js';

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
}

export interface Verification {
  readonly ok: boolean;
  /** What was observed, for the audit log and the approver. */
  readonly detail: string;
}

export interface ActionSpec<I extends z.ZodType, P extends z.ZodType, R> {
  /** The model-facing tool name, e.g. `create_refund_draft`. */
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly input: I;
  /** Shape of the preview shown to the model and the approver. */
  readonly preview: P;
  readonly risk: Risk;
  readonly approval: ApprovalPolicy;
  readonly scopes: readonly string[];
  readonly roles?: readonly string[];
  readonly tenant: TenantRule<z.output<I>>;
  readonly credentials?: readonly string[];
  readonly limits?: ToolLimits;
  /** Fields of the draft result (e.g. `preview.note`) that carry outside text. */
  readonly untrusted?: readonly UntrustedFieldSpec[];
  /** Reads only: computes what would happen. Runs in the model's call. */
  readonly describe: (input: z.output<I>, ctx: ToolContext) => Promise<z.input<P>> | z.input<P>;
  /** The write. Runs once, after approval, never in the model's call. */
  readonly execute: (input: z.output<I>, ctx: ActionContext) => Promise<R>;
  /** Checks the final state after execute; a mismatch marks the draft `unverified`, loudly. */
  readonly verify: (input: z.output<I>, result: R, ctx: ActionContext) => Promise<Verification>;
  /** How to undo, if possible. Without it, the preview says there is no rollback. */
  readonly rollback?: {
    /** Shown before approval: what a rollback would do. */
    readonly description: string;
    readonly run: (input: z.output<I>, result: R, ctx: ActionContext) => Promise<Verification>;
  };
}

/** The executable half of an action, kept on its tool definition for the approval service. */
export interface ActionRuntimeSpec {
  readonly risk: Risk;
  readonly approval: Required<Omit<ApprovalPolicy, 'autoApprove'>> & { readonly autoApprove: boolean };
  readonly input: z.ZodType;
  readonly credentials: readonly string[];
  readonly execute: (input: unknown, ctx: ActionContext) => Promise<unknown>;
  readonly verify: (input: unknown, result: unknown, ctx: ActionContext) => Promise<Verification>;
  readonly rollback?: ActionSpec<z.ZodType, z.ZodType, unknown>['rollback'];
}

/** What an approver, the CLI or the console sees of an approval. */
export interface ApprovalRecord {
  readonly approver: string;
  readonly reason: string;
  readonly at: string;
  readonly auditId: string;
  readonly draftHash: string;
}

/** The JSON kept in DraftRecord.state. */
export interface DraftState {
  readonly approvals: readonly ApprovalRecord[];
  readonly rejection?: { readonly by: string; readonly reason: string; readonly at: string };
  readonly execution?: { readonly startedAt: string; readonly finishedAt?: string; readonly result?: unknown; readonly error?: string };
  readonly verification?: Verification & { readonly at: string };
  readonly rollback?: { readonly by: string; readonly reason: string; readonly at: string; readonly verification?: Verification; readonly error?: string };
  /** Set when a process stopped during execute and verify could not confirm the outcome. */
  readonly stalled?: { readonly since: string; readonly reason: string };
}

