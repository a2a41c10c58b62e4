import { GATEWAY_ACTOR } from '../auth/principal.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import type { DraftRecord } from '../store/types.js';
import type { ActionContext, ActionRuntimeSpec } from '../contract/types.js';
import type { DraftState } from './types.js';
import { createGuardedFetch } from '../egress/guarded-fetch.js';
import { EMPTY_ALLOWLIST } from '../egress/allowlist.js';
import { auditTransition } from './audit-transition.js';

export function stateOf(draft: DraftRecord): DraftState {
  return JSON.parse(draft.state) as DraftState;
}

export function actionSpecOf(runtime: GatewayRuntime, draft: DraftRecord): ActionRuntimeSpec {
  const spec = runtime.tools.get(draft.tool)?.action;
  if (!spec)
    throw new ToolgateError(
      'conflict',
      `Action ${draft.tool} is no longer defined on this gateway; an operator must resolve draft ${draft.id}.`,
    );
  return spec;
}

/** The idempotency key for a draft's execution: stable across retries, processes and restarts. */
export const idempotencyKeyOf = (draft: DraftRecord) => `tg-${draft.id}-${draft.draftHash.slice(0, 16)}`;

/** Execution context for execute / verify / rollback, with only the action's own credentials. */
export function actionContext(
  runtime: GatewayRuntime,
  draft: DraftRecord,
  spec: ActionRuntimeSpec,
  timeoutMs = spec.executeTimeoutMs,
): { ctx: ActionContext; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ToolgateError('timeout')), timeoutMs);
  const allowed = new Set(spec.credentials);
  const logger = runtime.logger.child({ draftId: draft.id, tool: draft.tool });
  const tool = runtime.tools.get(draft.tool);
  /** An egress refusal or oversize answer as the draft's own audit event, and a log line. */
  const egressEvent =
    (
      kind: 'egress_denied' | 'egress_too_large',
      outcome: 'denied' | 'error',
      reason: (host: string, why: string) => string,
    ) =>
    async ({ host, why }: { host: string; why: string }) => {
      logger.warn({ host, why }, kind === 'egress_denied' ? 'egress refused' : 'egress response too large');
      await auditTransition(runtime, draft, {
        kind,
        actor: GATEWAY_ACTOR.executor,
        surface: 'internal',
        outcome,
        errorCode: kind === 'egress_denied' ? 'egress_denied' : 'result_too_large',
        reason: reason(host, why),
        data: { host },
      });
    };
  const ctx: ActionContext = {
    draftId: draft.id,
    idempotencyKey: idempotencyKeyOf(draft),
    tenant: draft.tenant,
    requester: draft.requester,
    approvers: stateOf(draft).approvals.map((a) => a.approver),
    credential(name) {
      const value = allowed.has(name) ? runtime.credentials.get(name) : undefined;
      if (value === undefined)
        throw new ToolgateError('internal', undefined, {
          detail: `${draft.tool} asked for credential "${name}" it did not declare or that has no value`,
        });
      runtime.rememberSecret(value);
      return value;
    },
    logger,
    signal: controller.signal,
    fetch: createGuardedFetch({
      allowlist: tool ? runtime.egressOf(tool) : EMPTY_ALLOWLIST,
      owner: `${draft.tool} (credentials: ${[...allowed].join(', ') || 'none'})`,
      signal: controller.signal,
      ...(runtime.egressResolver ? { resolve: runtime.egressResolver } : {}),
      // Its own audit event, written before the error is thrown: execute / verify / rollback
      // code that swallows the error cannot hide the attempt.
      onDenied: egressEvent('egress_denied', 'denied', (host, why) => `egress to ${host} refused: ${why}`),
      maxBodyBytes: tool ? runtime.limitsOf(tool).maxFetchBytes : undefined,
      onTooLarge: egressEvent('egress_too_large', 'error', (host, why) => `${host}: ${why}`),
    }),
  };
  return { ctx, done: () => clearTimeout(timer) };
}
