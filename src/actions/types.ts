import type { z } from 'zod';
import type {
  ActionContext,
  ApprovalPolicy,
  Risk,
  RollbackSpec,
  TenantRule,
  ToolContext,
  ToolLimits,
  UntrustedFieldSpec,
  Verification,
} from '../contract/types.js';

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
  /**
   * Deadline for execute, verify and rollback (default 30 s). A write that has not answered by
   * then has an unknown outcome: verify reconciles it, it is never just marked failed.
   */
  readonly executeTimeoutMs?: number;
  /** The write. Runs once, after approval, never in the model's call. */
  readonly execute: (input: z.output<I>, ctx: ActionContext) => Promise<R>;
  /** Checks the final state after execute; a mismatch marks the draft `unverified`, loudly. */
  readonly verify: (input: z.output<I>, result: R, ctx: ActionContext) => Promise<Verification>;
  /** How to undo, if possible. Without it, the preview says there is no rollback. */
  readonly rollback?: RollbackSpec<z.output<I>, R>;
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
  /**
   * SHA-256 of the canonical JSON of the input as parsed when the draft was made, from which its
   * preview was described: execute, verify and rollback parse the stored input again and must get
   * the same (draft-input.ts). Absent on drafts made before it was kept.
   */
  readonly inputDigest?: string;
  readonly rejection?: { readonly by: string; readonly reason: string; readonly at: string };
  readonly execution?: {
    readonly startedAt: string;
    readonly finishedAt?: string;
    readonly result?: unknown;
    readonly error?: string;
  };
  readonly verification?: Verification & { readonly at: string };
  readonly rollback?: {
    readonly by: string;
    readonly reason: string;
    readonly at: string;
    readonly verification?: Verification;
    readonly error?: string;
  };
  /**
   * Set while the draft is `unresolved`: the request may have reached the internal API and verify
   * could not confirm it. `retrySafe` when verify positively saw no write (retrying with the same
   * idempotency key cannot act twice on an API that honours it).
   */
  readonly unresolved?: { readonly since: string; readonly reason: string; readonly retrySafe: boolean };
}
