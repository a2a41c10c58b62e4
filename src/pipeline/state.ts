import type { Logger } from 'pino';
import type { AnyTool } from '../contract/types.js';
import type { CredentialProvider } from '../credentials/provider.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { limitsFor } from '../contract/default-limits.js';
import type { Cut } from '../budget/fit-to-budget.js';
import type { Breakers } from '../upstream/circuit-breaker.js';
import type { Drafting } from './drafting-capability.js';
import type { CallRequest, GuardWarningOut } from './types.js';
import type { Store } from '../store/types.js';
import type { Allowlist } from '../egress/allowlist.js';
import type { Resolver } from '../egress/resolve.js';

/** What every call shares: built once by createGateway. */
export interface GatewayRuntime {
  readonly tools: ReadonlyMap<string, AnyTool>;
  /** The tool names a client may see and call. */
  readonly toolsetOf: (client: string) => ReadonlySet<string>;
  readonly store: Store;
  readonly credentials: CredentialProvider;
  /** Masks every credential value the gateway has handed out or can hand out. */
  readonly maskSecrets: (text: string) => { text: string; hits: number };
  /** Records a credential value so later masking covers it even if the provider rotated it. */
  readonly rememberSecret: (value: string) => void;
  readonly limitsOf: (tool: AnyTool) => ReturnType<typeof limitsFor>;
  readonly logger: Logger;
  readonly cursorKey: Buffer;
  readonly now: () => number;
  /** One circuit breaker per upstream, shared by every call (run-handler). */
  readonly breakers: Breakers;
  /** Draft creation and lookup for action tools (see src/actions). */
  readonly drafting: Drafting;
  /** The hosts a tool's `ctx.fetch` may reach: the union of its credentials' `egress` entries. */
  readonly egressOf: (tool: AnyTool) => Allowlist;
  /** Name resolution for `ctx.fetch` (the system resolver unless a test pins names). */
  readonly egressResolver?: Resolver;
  /** Write actions are switched off (issue #16): not listed, not drafted, not executed. */
  readonly readOnly: boolean;
}

/** One call as it moves through the stages. Stages read what earlier stages wrote. */
export interface CallState {
  readonly runtime: GatewayRuntime;
  readonly request: CallRequest;
  readonly auditId: string;
  readonly callId: string;
  readonly startedAt: number;
  tool: AnyTool | undefined;
  /** Validated arguments (after defaults); undefined until validate-input ran. */
  input: unknown;
  /** The result as it is shaped by the post-handler stages. */
  output: unknown;
  /**
   * The JSON text of `output` as output-budget last measured it, so the answer is not serialised
   * twice (issue #15); used only while `output` is still that same object.
   */
  outputJson?: { readonly of: unknown; readonly text: string };
  /** Policy decision so far; a stage that denies sets `deny` and throws. */
  decision: 'allow' | 'deny';
  /** Why each check passed or failed, in order; joined into the audit `reason`. */
  readonly checks: string[];
  readonly warnings: GuardWarningOut[];
  readonly truncated: Cut[];
  sourceIds: readonly string[];
  /**
   * Every `ctx.fetch` refusal of this call (`host:port: why`, never a path or query). The audit
   * keeps them even when the handler caught the error and answered something else.
   */
  egressDenied?: string[];
  /** Every `ctx.fetch` response body over the tool's maxFetchBytes (`host:port: why`), kept the same way. */
  egressTooLarge?: string[];
}

export type Stage = (state: CallState) => Promise<void> | void;

/** The tool, which resolve-tool guarantees for every later stage. */
export function toolOf(state: CallState): AnyTool {
  if (!state.tool) throw new ToolgateError('internal', undefined, { detail: 'stage ran before resolve-tool' });
  return state.tool;
}

/** Records a denial and returns the error for the stage to throw. */
export function deny(state: CallState, reason: string, error: ToolgateError): ToolgateError {
  state.decision = 'deny';
  state.checks.push(reason);
  return error;
}
