import { createActionService, type ActionService } from '../actions/service.js';
import type { AuditEventInput } from '../audit/event.js';
import { principalProblems, type Principal } from '../auth/principal.js';
import { asToolgateError, ToolgateError, toPublicError, type PublicError } from '../errors/toolgate-error.js';
import { auditEventFor, toolAsShown } from '../pipeline/audit-call.js';
import { internalFailureLog } from '../pipeline/failure-log.js';
import { runPipeline } from '../pipeline/run.js';
import { stopRunningCode } from '../pipeline/tool-context.js';
import type { CallState, GatewayRuntime } from '../pipeline/state.js';
import { withNotices } from '../pipeline/stages/output-budget.js';
import { redactText } from '../redaction/patterns.js';
import { newId } from '../util/ids.js';
import { createListeners } from '../util/listeners.js';
import { byteLength, estimateTokens } from '../util/size.js';
import { budgetTokens } from '../budget/result-budget.js';
import { listedOutputSchema } from '../contract/json-schema.js';
import { inSpan, tracingOff } from '../telemetry/tracing.js';
import { createRateLimitedFold } from './rate-limited-fold.js';
import { buildRuntime } from './runtime.js';
import type { CallRequest, CallResult } from '../pipeline/types.js';
import type { GatewayOptions, ToolDescriptor } from './types.js';

export interface Gateway {
  /** Runs one call through the pipeline; never throws, always audits (or says it could not). */
  call(request: CallRequest): Promise<CallResult>;
  /**
   * The tools a client may see, with everything a surface needs to list them. With a principal,
   * only the tools its scopes and roles allow (issue #12): a caller is not shown what it cannot
   * call (a tool it lacks the role for was listed, and each try counted against its refusals).
   */
  listTools(client: string, principal?: Pick<Principal, 'scopes' | 'roles'>): ToolDescriptor[];
  /**
   * Subscribes to every audited call (metrics, request logs). Returns an unsubscribe function. A
   * listener that throws is logged (its first failure) and skipped: the call is answered as usual.
   */
  onCall(listener: (event: AuditEventInput, result: CallResult) => void): () => void;
  /** Resolves once every call started so far has been answered (and so audited). */
  idle(): Promise<void>;
  /**
   * Ends the calls still running: tool code still in flight is stopped (its signal aborts) and
   * each such call answers `unavailable` ("shutting down") and is audited; resolves once all
   * calls have been answered and the count of any folded `rate_limited` refusals is written
   * (rate-limited-fold.ts). For shutdown, before the store closes.
   */
  stop(): Promise<void>;
  /** Approve, reject, roll back and inspect drafts of write actions (console, CLI, REST). */
  readonly actions: ActionService;
  readonly runtime: GatewayRuntime;
}

interface CallNotice {
  readonly event: AuditEventInput;
  readonly result: CallResult;
}

export function createGateway(options: GatewayOptions): Gateway {
  const runtime = buildRuntime(options);
  const calls = createListeners<CallNotice>((err) =>
    runtime.logger.error({ err }, 'a call listener threw; the call was answered as usual (reported once per listener)'),
  );
  const rateLimited = createRateLimitedFold(
    (event) => runtime.store.audit.append(event),
    runtime.now,
    (err) => runtime.logger.error({ err }, 'could not write the count of folded rate_limited refusals'),
    (name) => runtime.tools.has(name),
  );

  // Calls in flight, so shutdown can wait for their audit events before the store closes. A count
  // kept by callOnce itself: no extra promise per call on the hot path.
  let running = 0;
  let whenIdle: (() => void)[] = [];
  const idle = (): Promise<void> =>
    running === 0 ? Promise.resolve() : new Promise((resolve) => whenIdle.push(resolve));
  const settled = () => {
    if (--running > 0) return;
    const waiting = whenIdle;
    whenIdle = [];
    for (const resolve of waiting) resolve();
  };

  const call = (request: CallRequest): Promise<CallResult> => (tracingOff() ? callOnce(request) : callInSpan(request));

  /** The call inside a `toolgate.call <tool>` span, with its attributes (only while tracing is on). */
  const callInSpan = (request: CallRequest): Promise<CallResult> => {
    const tool = toolAsShown(runtime, request.tool);
    return inSpan(`toolgate.call ${tool.slice(0, 64)}`, async (span) => {
      span.setAttributes({
        'toolgate.tool': tool,
        'toolgate.client': request.client,
      });
      span.setAttribute('toolgate.surface', request.surface);
      const result = await callOnce(request);
      span.setAttributes({
        'toolgate.outcome': result.ok ? 'ok' : result.error.code,
        'toolgate.audit_id': result.auditId ?? '',
        'toolgate.result_bytes': result.ok ? result.resultBytes : 0,
      });
      return result;
    });
  };

  async function callOnce(request: CallRequest): Promise<CallResult> {
    running++;
    try {
      const startedAt = runtime.now();
      const state: CallState = {
        runtime,
        request,
        auditId: newId('aud', startedAt),
        callId: request.callId ?? newId('call', startedAt),
        startedAt,
        tool: undefined,
        input: undefined,
        output: undefined,
        outputJson: undefined, // set by output-budget; here so every call's state has one shape
        decision: 'allow',
        checks: [],
        warnings: [],
        truncated: [],
        sourceIds: [],
        egressDenied: [],
        egressTooLarge: [],
      };
      let result: CallResult;
      let event: AuditEventInput;
      try {
        // An app's principal on the direct route is its own code's: one of the wrong shape is
        // refused by name before any stage reads it (it was audited as "unavailable").
        const malformed = malformedPrincipal(request.principal);
        if (malformed) {
          state.decision = 'deny';
          throw new ToolgateError('forbidden', `The caller's identity cannot be used: ${malformed.join('; ')}.`);
        }
        await runPipeline(state, options.stages);
        const structured = withNotices(state);
        // Without notices the answer is the output output-budget already serialised to measure it.
        const measured = state.outputJson;
        const text = measured?.of === structured ? measured.text : JSON.stringify(structured);
        const bytes = byteLength(text);
        result = {
          ok: true,
          auditId: state.auditId,
          structured,
          text,
          warnings: state.warnings,
          truncated: state.truncated,
          resultBytes: bytes,
          resultTokens: estimateTokens(bytes),
        };
        event = auditEventFor(state, { text, bytes, tokens: result.resultTokens });
      } catch (thrown) {
        const error = asToolgateError(thrown);
        if (error.code === 'internal') {
          const log = internalFailureLog(thrown, state);
          runtime.logger.error(
            { ...log.fields, auditId: state.auditId, tool: toolAsShown(runtime, request.tool) },
            log.message,
          );
        }
        event = auditEventFor(state, { error });
        // A caller's rate_limited refusals are one event per window (rate-limited-fold.ts): this
        // one cites the event written (or being written) for the window's first refusal.
        const foldedInto = rateLimited.fold(event);
        result = failure(runtime, toPublicError(error, foldedInto ?? state.auditId));
        if (foldedInto) {
          calls.emit({ event: { ...event, id: foldedInto }, result });
          return result;
        }
      }
      try {
        await inSpan('toolgate.audit append', () => runtime.store.audit.append(event));
        if (event.errorCode === 'rate_limited') rateLimited.written(event);
      } catch (thrown) {
        // Durable audit comes first: without a record, the result is withheld. The store logged the
        // failure (runtime.ts: once when it starts, then a count every 10 s), not once per call.
        // Listeners (metrics, the request log) hear what the caller got: an `unavailable` error,
        // not the `ok` the unwritten event said (dashboards showed all ok while every call failed).
        event = { ...event, outcome: 'error', errorCode: 'unavailable' };
        const stored = asToolgateError(thrown);
        const tookEffect = state.tool?.kind === 'action' ? actionNotRecorded(runtime, result) : null;
        result =
          tookEffect ??
          failure(
            runtime,
            toPublicError(stored.code === 'unavailable' ? stored : new ToolgateError('unavailable'), null),
          );
      }
      calls.emit({ event, result });
      return result;
    } finally {
      settled();
    }
  }

  return {
    call,
    idle,
    stop: () => {
      stopRunningCode(
        runtime,
        new ToolgateError('unavailable', 'The gateway is shutting down and stopped this call; retry it.'),
      );
      return idle().then(() => rateLimited.stop());
    },
    listTools: (client, principal) =>
      [...runtime.toolsetOf(client)].flatMap((name) => {
        const tool = runtime.tools.get(name);
        if (!tool) return [];
        if (principal && !tool.scopes.every((scope) => principal.scopes.includes(scope))) return [];
        if (principal && tool.roles?.length && !tool.roles.some((role) => principal.roles.includes(role))) return [];
        if (runtime.readOnly && tool.kind === 'action') return []; // issue #16: writes switched off
        return [
          {
            name: tool.name,
            ...(tool.title === undefined ? {} : { title: tool.title }),
            description: tool.description,
            inputSchema: tool.inputJsonSchema,
            outputSchema: listedOutputSchema(tool),
            annotations: tool.annotations,
            kind: tool.kind,
            maxResultTokens: budgetTokens(runtime.limitsOf(tool)),
          },
        ];
      }),
    onCall: (listener) => calls.subscribe(({ event, result }) => listener(event, result)),
    actions: createActionService(runtime),
    runtime,
  };
}

/**
 * What a write action's caller is told when the call itself could not be recorded, where that
 * is not "nothing happened, retry": the store's words made a model draft the same refund again
 * (outside probe, PostgreSQL locked). A draft that was made: its id, not retryable. A change that
 * took effect but not its own record (writeQueued's error, not retryable): that error as it is,
 * it says what took effect. Anything else (the store down before anything was written) keeps
 * the store's retryable `unavailable` (null here).
 */
function actionNotRecorded(runtime: GatewayRuntime, result: CallResult): CallResult | null {
  // Without the call's audit id: the call was not recorded, so there is nothing to cite.
  if (!result.ok)
    return result.error.code === 'unavailable' && !result.error.retryable
      ? failure(runtime, { ...result.error, audit_id: null })
      : null;
  const draftId = typeof result.structured.draft_id === 'string' ? result.structured.draft_id : null;
  const made = draftId ? `Draft ${draftId} was made and awaits approval` : 'The write action took effect';
  const error = new ToolgateError(
    'unavailable',
    `${made}, but the gateway cannot record this call right now. Do not repeat it; ` +
      (draftId ? `check it later with its id.` : 'check its status before doing anything else.'),
    { retryable: false },
  );
  return failure(runtime, toPublicError(error, null));
}

/**
 * A failure as callers see it: its text is masked again in case a handler put a secret in it,
 * the field name too (a handler's ToolgateError may set it to anything; it was passed through).
 */
function failure(runtime: GatewayRuntime, error: PublicError): CallResult {
  const clean = (text: string) => redactText(runtime.maskSecrets(text).text).text;
  const safe = {
    ...error,
    message: clean(error.message),
    ...(error.field === undefined ? {} : { field: clean(error.field) }),
  };
  return { ok: false, auditId: error.audit_id, error: safe, text: JSON.stringify({ error: safe }) };
}

/** What is wrong with an app's principal, or null; one that cannot even be read says so. */
function malformedPrincipal(principal: Principal): string[] | null {
  try {
    const problems = principalProblems(principal, 'principal');
    return problems.length > 0 ? problems : null;
  } catch {
    return ['principal could not be read']; // a getter or a Proxy that throws
  }
}
