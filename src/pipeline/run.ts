import { inSpan, tracingOff } from '../telemetry/tracing.js';
import type { CallState, Stage } from './state.js';
import { authorize } from './stages/authorize.js';
import { outputBudget } from './stages/output-budget.js';
import { rateLimit } from './stages/rate-limit.js';
import { redact } from './stages/redact.js';
import { resolveTool } from './stages/resolve-tool.js';
import { runHandler } from './stages/run-handler.js';
import { tenantBoundary } from './stages/tenant-boundary.js';
import { untrustedGuard } from './stages/untrusted-guard.js';
import { validateInput } from './stages/validate-input.js';
import { validateOutput } from './stages/validate-output.js';

/**
 * The order of the pipeline, in one place (docs/lifecycle.md draws it). Each stage reads what
 * earlier ones wrote and throws a ToolgateError to stop the call. Auditing is not a stage: the
 * gateway wraps this whole run, so denials and crashes are recorded exactly like successes.
 */
export const STAGES: readonly (readonly [name: string, stage: Stage])[] = [
  ['resolve-tool', resolveTool],
  ['authorize', authorize],
  ['rate-limit', rateLimit],
  ['validate-input', validateInput],
  ['tenant-boundary', tenantBoundary],
  ['run-handler', runHandler],
  ['validate-output', validateOutput],
  ['untrusted-guard', untrustedGuard],
  ['redact', redact],
  ['output-budget', outputBudget],
];

export async function runPipeline(state: CallState, stages = STAGES): Promise<void> {
  if (tracingOff()) {
    // Issue #15: a stage that finishes synchronously is not awaited. Wrapping each of the ten in
    // a span and two promises cost ~30 promises and 20 microtask hops per call for nothing.
    for (const [, stage] of stages) {
      const pending = stage(state);
      if (pending) await pending;
    }
    return;
  }
  // One child span per stage for the application's tracer provider.
  for (const [name, stage] of stages) await inSpan(`toolgate.stage ${name}`, async () => stage(state));
}
