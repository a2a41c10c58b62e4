import { ToolgateError } from '../../errors/toolgate-error.js';
import { formatPath, parsePattern, stringsAt } from '../../util/field-path.js';
import { toolOf, type CallState } from '../state.js';

/**
 * The output schema is an allowlist: fields the handler returns but the schema does not declare
 * (full rows, internal metadata) are dropped, and a result that breaks the contract is an
 * `internal` error rather than something the model has to make sense of.
 */
export function validateOutput(state: CallState): void {
  const tool = toolOf(state);
  const parsed = tool.output.safeParse(state.output);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue
      ? formatPath(issue.path.filter((p: PropertyKey): p is string | number => typeof p !== 'symbol'))
      : '';
    throw new ToolgateError('internal', undefined, {
      detail: `${tool.name} returned output that breaks its schema at "${where}": ${issue?.message ?? 'invalid'}`,
    });
  }
  state.output = parsed.data;
  state.sourceIds = collectSourceIds(parsed.data, tool.sourcesField ?? 'source_records');
}

/** Every string at the sources field (`source_records`, or a pattern like `invoices[].id`). */
function collectSourceIds(output: unknown, field: string): string[] {
  return stringsAt(output, parsePattern(field), 100);
}
