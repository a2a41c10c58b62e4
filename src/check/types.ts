import type { AnyTool } from '../contract/types.js';
import type { ToolgateConfig } from '../config/define-config.js';

/** The brief's eight safety gates (R9), in the order the table prints them. */
export const GATES = [
  'tool_scope',
  'credential_scope',
  'read_only_proof',
  'write_preview',
  'approval_path',
  'audit_log',
  'output_budget',
  'prompt_guard',
] as const;
export type Gate = (typeof GATES)[number];

export interface GateResult {
  readonly status: 'pass' | 'fail' | 'n/a';
  readonly reason: string;
}

export interface CheckContext {
  readonly config: ToolgateConfig;
  readonly database: string;
  /** Every tool in the config, for cross-tool checks (shared credentials). */
  readonly tools: readonly AnyTool[];
}

export type GateCheck = (tool: AnyTool, ctx: CheckContext) => GateResult;

export const pass = (reason: string): GateResult => ({ status: 'pass', reason });
export const fail = (reason: string): GateResult => ({ status: 'fail', reason });
export const notApplicable = (reason: string): GateResult => ({ status: 'n/a', reason });
