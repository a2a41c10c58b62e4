import type { ActionRuntimeSpec } from '../contract/types.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { DraftRecord } from '../store/types.js';

/**
 * The input execute, verify and rollback get: the arguments the model sent, as stored with the
 * draft, parsed by the action's input schema now, so its transforms run once on the way in. The
 * draft stored the parsed input before, and parsing that again ran each transform twice (a
 * `usd → cents` transform approved at 1,000 cents executed 100,000), and a value JSON cannot hold
 * (a Date from a codec) was stored as `{}` (outside probe). Drafts made before keep their parsed
 * input and are read as they were.
 *
 * A stored input that no longer parses (the action's schema changed since it was drafted) is a
 * `conflict` saying so, not a raw ZodError.
 */
export function draftInputOf(spec: ActionRuntimeSpec, draft: DraftRecord): unknown {
  const parsed = spec.input.safeParse(JSON.parse(draft.input));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new ToolgateError(
    'conflict',
    `Draft ${draft.id}'s input no longer matches ${draft.tool}'s input schema (${where}${issue?.message ?? 'invalid'}); ` +
      'the action changed after it was drafted. Nothing was run with it.',
  );
}
