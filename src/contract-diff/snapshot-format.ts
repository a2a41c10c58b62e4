import { z } from 'zod';

/**
 * The committed contract file, version 1. Validated on read so a hand-edited or truncated file
 * is a clear usage error naming the problem, not a crash deep inside the diff. Bump
 * FORMAT_VERSION when the shape changes in a way an older toolgate would misread.
 */
export const FORMAT_VERSION = 1;

const jsonSchema = z.record(z.string(), z.unknown());

const limits = z.object({
  timeoutMs: z.number(),
  maxResultBytes: z.number(),
  maxResultTokens: z.number(),
  maxInputBytes: z.number(),
  maxUntrustedChars: z.number(),
  rate: z.object({ perMinute: z.number(), burst: z.number() }),
});

/**
 * What the gateway guards for the tool beyond who may call it (added after version 1 shipped, so
 * optional: an older snapshot simply has none and the diff says so). Everything is sorted.
 */
const guards = z.object({
  /** `caller`: only the caller's own tenant; `owner-lookup`: the tenant of each record, looked up. */
  tenant: z.enum(['caller', 'owner-lookup']),
  /** Output fields whose text is fenced and labelled as untrusted content before the model sees it. */
  untrusted: z.array(z.string()),
  /** Output fields allowed to carry PII unmasked. */
  allowPii: z.array(z.string()),
  /** Server-side credentials the handler (and an action's execute, verify, rollback) may use. */
  credentials: z.array(z.string()),
  /** The hosts `ctx.fetch` may reach: the egress entries of those credentials. */
  egress: z.array(z.string()),
  /** Actions only: who must approve a draft before it runs. Null on read tools. */
  approval: z
    .object({
      roles: z.array(z.string()),
      approvers: z.number(),
      allowSelfApproval: z.boolean(),
      autoApprove: z.boolean(),
      expiresInMs: z.number(),
      /**
       * Drafts one caller (one tenant) may have awaiting approval; null is no limit. Absent in
       * snapshots written before the caps existed, and then not compared.
       */
      maxWaitingPerCaller: z.number().nullable().optional(),
      maxWaitingPerTenant: z.number().nullable().optional(),
    })
    .nullable(),
});

const toolContract = z.object({
  title: z.string().nullable(),
  description: z.string(),
  kind: z.enum(['read', 'action']),
  annotations: z.object({
    title: z.string().optional(),
    readOnlyHint: z.boolean(),
    destructiveHint: z.boolean(),
    idempotentHint: z.boolean(),
    openWorldHint: z.boolean(),
  }),
  scopes: z.array(z.string()),
  roles: z.array(z.string()),
  /** Actions only; null on read tools. */
  risk: z.enum(['low', 'medium', 'high']).nullable(),
  /** Actions only: the rollback disclosure shown before approval. Null on read tools. */
  rollback: z.object({ available: z.boolean(), description: z.string().nullable() }).nullable(),
  limits,
  guards: guards.optional(),
  input: jsonSchema,
  output: jsonSchema,
});

export const contractSnapshotSchema = z.object({
  formatVersion: z.literal(FORMAT_VERSION),
  /** Client → the tools it is offered; `*` is every client not listed (all tools when none are configured). */
  toolsets: z.record(z.string(), z.array(z.string())),
  /** Keyed by tool name, so sorted keys give tools sorted by name and a path names its tool. */
  tools: z.record(z.string(), toolContract),
});

export type ContractSnapshot = z.infer<typeof contractSnapshotSchema>;
export type ToolContract = z.infer<typeof toolContract>;
export type ResolvedLimits = z.infer<typeof limits>;
export type ToolGuards = z.infer<typeof guards>;
