import { exceedsOutputCap, outputCapOf } from '../../budget/output-cap.js';
import { asToolgateError, ToolgateError } from '../../errors/toolgate-error.js';
import { runWithDeadline } from '../tool-context.js';
import { toolOf, type CallState } from '../state.js';

/** Failures that say the upstream itself is unwell (not that the caller asked for something odd). */
const UPSTREAM_FAILURES = new Set(['upstream_unavailable', 'timeout']);

/**
 * Runs the tool's handler under its deadline, behind its upstream's circuit breaker: an upstream
 * that keeps failing is answered at once with `upstream_unavailable` until it is probed again.
 * What a handler throws is mapped to a typed error later. An output far over the tool's budget
 * is refused here, before validate-output, the guard, redaction and the budget each walk it.
 */
export async function runHandler(state: CallState): Promise<void> {
  const tool = toolOf(state);
  const upstream = tool.gatewayDataOnly ? null : (tool.credentials?.[0] ?? tool.name);
  const { breakers } = state.runtime;
  if (upstream) {
    const waitMs = breakers.admit(upstream);
    if (waitMs > 0) {
      state.checks.push(`circuit open for upstream ${upstream}`);
      throw new ToolgateError('upstream_unavailable', `${tool.name} is unavailable; its service keeps failing.`, {
        retryAfterMs: waitMs,
        detail: `circuit breaker open for ${upstream}`,
      });
    }
  }
  try {
    state.output = await runWithDeadline(state, (ctx) => tool.handler(state.input, ctx));
    if (upstream) breakers.succeeded(upstream);
  } catch (thrown) {
    if (upstream && UPSTREAM_FAILURES.has(asToolgateError(thrown).code)) breakers.failed(upstream);
    else if (upstream) breakers.succeeded(upstream); // it answered, even if with a refusal
    throw thrown;
  }
  refuseFarOverBudget(state);
}

/** See output-cap.ts (outside probe, 2026-12-07): measured once, walking no further than the cap. */
function refuseFarOverBudget(state: CallState): void {
  const tool = toolOf(state);
  const cap = outputCapOf(state.runtime.limitsOf(tool));
  if (!exceedsOutputCap(state.output, cap)) return;
  throw new ToolgateError(
    'result_too_large',
    `The result of ${tool.name} is far over its output budget; narrow the query.`,
    {
      detail: `handler output over ${cap.bytes} bytes or ${cap.values} values, refused before validation`,
    },
  );
}
