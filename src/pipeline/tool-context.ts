import { CALL_ARGS, DENY_CALL, DRAFTING, type Drafting } from './drafting-capability.js';
import { createCursorCodec } from '../contract/cursor.js';
import type { Logger } from 'pino';
import type { Principal, Surface } from '../auth/principal.js';
import type { CursorCodec } from '../contract/cursor.js';
import type { AnyTool, EgressFetch, ToolContext } from '../contract/types.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import { whereToSet } from '../credentials/provider.js';
import { createGuardedFetch } from '../egress/guarded-fetch.js';
import { toolOf, type CallState, type GatewayRuntime } from './state.js';

/**
 * Runs tool code (a handler or a tenant lookup) under the tool's deadline. On timeout (or when
 * the caller goes away) the context's signal is aborted so well-behaved handlers stop their
 * upstream requests; the call answers `timeout` at once either way. Code that answers without
 * awaiting anything cannot be interrupted, so it runs without a timer or a race (issue #15).
 */
export function runWithDeadline<T>(state: CallState, work: (ctx: ToolContext) => Promise<T> | T): Promise<T> {
  return CallContext.run(state, work);
}

/** The runs of tool code still waiting on something, per runtime, so a stopping server can end them. */
const running = new WeakMap<GatewayRuntime, Set<(reason: unknown) => void>>();

/**
 * Ends every run of tool code still in flight on this runtime with `reason` (their signals abort,
 * their calls answer and are audited at once). For shutdown: a handler that ignores its signal
 * otherwise ran on for up to its whole timeout after the server had closed its sockets.
 */
export function stopRunningCode(runtime: GatewayRuntime, reason: unknown): void {
  for (const stop of running.get(runtime) ?? []) stop(reason);
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The context a handler gets. A class rather than an object literal with getters: one per call
 * (two with a tenant lookup), and the literal's accessors and defineProperty showed in the
 * profile (issue #15). Its AbortController, logger, fetch and cursor are made on first use, and
 * the caller's signal is followed only once the handler asks for `signal` (or `fetch`): a handler
 * that never looks at its signal cannot be stopped by it, so it runs to its end and the audit
 * records what it really did. State is in #private fields so tool code cannot reach the runtime.
 */
class CallContext implements ToolContext {
  readonly principal: Principal;
  readonly client: string;
  readonly surface: Surface;
  readonly requestId: string | null;
  readonly callId: string;
  readonly auditId: string;
  readonly deadline: number;
  readonly #state: CallState;
  readonly #tool: AnyTool;
  /** Set once the run was stopped (deadline, caller gone); tool code cannot see or change it. */
  #aborted: { readonly reason: unknown } | undefined;
  /** Rejects the run's race; set once the run has one (code answering at once has none). */
  #stop: ((reason: unknown) => void) | undefined;
  #disposed = false;
  #controller: AbortController | undefined;
  #callerSignal: AbortSignal | undefined;
  #logger: Logger | undefined;
  #fetch: EgressFetch | undefined;
  #cursor: CursorCodec | undefined;

  private constructor(state: CallState, tool: AnyTool, timeoutMs: number) {
    const { request } = state;
    this.principal = request.principal;
    this.client = request.client;
    this.surface = request.surface;
    this.requestId = request.requestId ?? null;
    this.callId = state.callId;
    this.auditId = state.auditId;
    this.deadline = state.runtime.now() + timeoutMs;
    this.#state = state;
    this.#tool = tool;
  }

  /**
   * runWithDeadline. A static method so the controls (abort, dispose) stay #private: a handler
   * holding its context cannot call them, switch its deadline off or end its run with a value of
   * its choosing.
   */
  static async run<T>(state: CallState, work: (ctx: ToolContext) => Promise<T> | T): Promise<T> {
    const tool = toolOf(state);
    const { timeoutMs } = state.runtime.limitsOf(tool);
    const ctx = new CallContext(state, tool, timeoutMs);
    let pending: Promise<T> | T;
    try {
      pending = work(ctx);
    } catch (thrown) {
      ctx.#dispose();
      throw thrown;
    }
    if (!isThenable(pending)) {
      ctx.#dispose();
      return pending;
    }
    // One promise for both ways a run ends early, rejected by #abort(); listed first, so when
    // both have settled by the time the race looks (the caller went away while the handler was
    // starting), the cancellation wins over whatever the handler threw.
    const stopped = new Promise<never>((_, reject) => (ctx.#stop = reject));
    if (ctx.#aborted) ctx.#stop?.(ctx.#aborted.reason);
    // The deadline counts from when the context was made, synchronous start included.
    const timer = setTimeout(
      () => ctx.#abort(new ToolgateError('timeout', `${tool.name} did not answer within ${timeoutMs} ms.`)),
      Math.max(0, ctx.deadline - state.runtime.now()),
    );
    let runs = running.get(state.runtime);
    if (!runs) running.set(state.runtime, (runs = new Set()));
    const stop = (reason: unknown) => ctx.#abort(reason);
    runs.add(stop);
    try {
      return await Promise.race([stopped, pending]);
    } finally {
      runs.delete(stop);
      clearTimeout(timer);
      ctx.#dispose();
    }
  }

  credential(name: string): string {
    const tool = this.#tool;
    const declared = tool.credentials ?? [];
    if (!declared.includes(name)) {
      throw new ToolgateError('internal', undefined, {
        detail: `${tool.name} asked for credential "${name}" it did not declare in credentials: [${declared.join(', ')}]`,
      });
    }
    const { runtime } = this.#state;
    const value = runtime.credentials.get(name);
    if (value === undefined) {
      throw new ToolgateError('upstream_unavailable', `${tool.name} is not configured in this environment.`, {
        detail: `credential "${name}" has no value in this environment${whereToSet(runtime.credentials, name)}`,
      });
    }
    runtime.rememberSecret(value);
    return value;
  }

  get logger(): Logger {
    const { runtime, callId, auditId } = this.#state;
    return (this.#logger ??= runtime.logger.child({ tool: this.#tool.name, callId, auditId }));
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#aborted.reason);
      else this.#followCaller();
    }
    return this.#controller.signal;
  }

  get fetch(): EgressFetch {
    const tool = this.#tool;
    const { runtime } = this.#state;
    return (this.#fetch ??= createGuardedFetch({
      allowlist: runtime.egressOf(tool),
      owner: `${tool.name} (credentials: ${(tool.credentials ?? []).join(', ') || 'none'})`,
      signal: this.signal,
      ...(runtime.egressResolver ? { resolve: runtime.egressResolver } : {}),
      // Kept on the call, not only in the thrown error: a handler that catches it cannot hide it.
      onDenied: ({ host, why }) => {
        (this.#state.egressDenied ??= []).push(`${host}: ${why}`);
        this.logger.warn({ host, why }, 'egress refused');
      },
      maxBodyBytes: runtime.limitsOf(tool).maxFetchBytes,
      onTooLarge: ({ host, why }) => {
        (this.#state.egressTooLarge ??= []).push(`${host}: ${why}`);
        this.logger.warn({ host, why }, 'egress response too large');
      },
    }));
  }

  get cursor(): CursorCodec {
    return (this.#cursor ??= createCursorCodec(this.#state.runtime.cursorKey, this.#tool.name));
  }

  /** Action tools draft through this capability; symbol-keyed, so it stays off the public type. */
  get [DRAFTING](): Drafting | undefined {
    return this.#state.runtime.drafting;
  }

  /** The call's arguments as sent, for a draft to store (drafting-capability.ts). */
  get [CALL_ARGS](): unknown {
    return this.#state.request.args ?? {}; // what validate-input validated when none were sent
  }

  /** A refusal the drafting capability makes (too many drafts waiting) is audited as the pipeline's are. */
  [DENY_CALL](reason: string): void {
    this.#state.decision = 'deny';
    this.#state.checks.push(reason);
  }

  #abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = { reason };
    // The run's own answer (timeout, cancelled) first: a handler that rejects on abort must not win.
    this.#stop?.(reason);
    this.#controller?.abort(reason);
  }

  #dispose(): void {
    this.#disposed = true;
    this.#callerSignal?.removeEventListener('abort', this.#callerGone);
    this.#callerSignal = undefined;
  }

  #followCaller(): void {
    const caller = this.#state.request.signal;
    if (!caller || this.#disposed) return; // a signal read after the run ended follows nothing
    if (caller.aborted) return this.#callerGone();
    this.#callerSignal = caller;
    caller.addEventListener('abort', this.#callerGone, { once: true });
  }

  readonly #callerGone = (): void =>
    this.#abort(new ToolgateError('timeout', 'The caller cancelled the request.', { detail: 'caller aborted' }));
}
