import { DRAFTING } from './drafting-capability.js';
import { createCursorCodec } from '../contract/cursor.js';
import type { Logger } from 'pino';
import type { CursorCodec } from '../contract/cursor.js';
import type { EgressFetch, ToolContext } from '../contract/types.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import { createGuardedFetch } from '../egress/guarded-fetch.js';
import { toolOf, type CallState } from './state.js';

/**
 * Runs tool code (a handler or a tenant lookup) under the tool's deadline. On timeout (or when
 * the caller goes away) the context's signal is aborted so well-behaved handlers stop their
 * upstream requests; the call answers `timeout` at once either way.
 */
export async function runWithDeadline<T>(state: CallState, work: (ctx: ToolContext) => Promise<T> | T): Promise<T> {
  const tool = toolOf(state);
  const { timeoutMs } = state.runtime.limitsOf(tool);
  let stop!: (reason: unknown) => void;
  // One promise for both ways a run ends early, rejected by the context's abort().
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  const { ctx, abort, dispose } = buildContext(state, timeoutMs, (reason) => stop(reason));
  const timer = setTimeout(
    () => abort(new ToolgateError('timeout', `${tool.name} did not answer within ${timeoutMs} ms.`)),
    timeoutMs,
  );
  try {
    return await Promise.race([Promise.resolve().then(() => work(ctx)), stopped]);
  } finally {
    clearTimeout(timer);
    dispose();
  }
}

/**
 * The context a handler gets. Its AbortController is made only when the handler first reads
 * `ctx.signal` (or uses `ctx.fetch`): most calls never do, and one per call showed in the
 * profile (issue #15). `abort()` works either way and reports to `onAbort`.
 */
export function buildContext(
  state: CallState,
  timeoutMs = state.runtime.limitsOf(toolOf(state)).timeoutMs,
  onAbort: (reason: unknown) => void = () => undefined,
): { ctx: ToolContext; abort: (reason: unknown) => void; dispose: () => void } {
  const tool = toolOf(state);
  const { runtime, request } = state;
  let controller: AbortController | undefined;
  let abortedWith: { reason: unknown } | undefined;
  const signalOf = (): AbortSignal => {
    if (!controller) {
      controller = new AbortController();
      if (abortedWith) controller.abort(abortedWith.reason);
    }
    return controller.signal;
  };
  const abort = (reason: unknown) => {
    if (abortedWith) return;
    abortedWith = { reason };
    controller?.abort(reason);
    onAbort(reason);
  };
  const onCallerGone = () =>
    abort(new ToolgateError('timeout', 'The caller cancelled the request.', { detail: 'caller aborted' }));
  if (request.signal?.aborted) onCallerGone();
  else request.signal?.addEventListener('abort', onCallerGone, { once: true });

  const allowed = new Set(tool.credentials ?? []);
  // Built on first use (issue #15): most handlers never log, paginate or fetch, and a pino child,
  // a cursor codec and a guarded fetch per call showed up in the profile.
  let logger: Logger | undefined;
  let fetch: EgressFetch | undefined;
  let cursor: CursorCodec | undefined;
  const loggerOf = () =>
    (logger ??= runtime.logger.child({ tool: tool.name, callId: state.callId, auditId: state.auditId }));
  const ctx: ToolContext = {
    principal: request.principal,
    client: request.client,
    surface: request.surface,
    requestId: request.requestId ?? null,
    callId: state.callId,
    auditId: state.auditId,
    credential(name) {
      if (!allowed.has(name)) {
        throw new ToolgateError('internal', undefined, {
          detail: `${tool.name} asked for credential "${name}" it did not declare in credentials: [${[...allowed].join(', ')}]`,
        });
      }
      const value = runtime.credentials.get(name);
      if (value === undefined) {
        throw new ToolgateError('upstream_unavailable', `${tool.name} is not configured in this environment.`, {
          detail: `credential "${name}" has no value in this environment`,
        });
      }
      runtime.rememberSecret(value);
      return value;
    },
    get logger() {
      return loggerOf();
    },
    get signal() {
      return signalOf();
    },
    get fetch() {
      return (fetch ??= createGuardedFetch({
        allowlist: runtime.egressOf(tool),
        owner: `${tool.name} (credentials: ${[...allowed].join(', ') || 'none'})`,
        signal: signalOf(),
        ...(runtime.egressResolver ? { resolve: runtime.egressResolver } : {}),
        // Kept on the call, not only in the thrown error: a handler that catches it cannot hide it.
        onDenied: ({ host, why }) => {
          (state.egressDenied ??= []).push(`${host}: ${why}`);
          loggerOf().warn({ host, why }, 'egress refused');
        },
      }));
    },
    deadline: runtime.now() + timeoutMs,
    get cursor() {
      return (cursor ??= createCursorCodec(runtime.cursorKey, tool.name));
    },
  };
  // Action tools draft through this capability; it is symbol-keyed so it stays off the public type.
  Object.defineProperty(ctx, DRAFTING, { value: runtime.drafting, enumerable: false });
  const dispose = () => request.signal?.removeEventListener('abort', onCallerGone);
  return { ctx, abort, dispose };
}
