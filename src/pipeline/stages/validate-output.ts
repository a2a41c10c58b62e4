import { ToolgateError } from '../../errors/toolgate-error.js';
import { formatPath, parsePattern, stringsAt } from '../../util/field-path.js';
import { boundText } from '../../util/size.js';
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

/** Longest source id kept, in characters; a record id is far shorter. */
const MAX_SOURCE_ID_CHARS = 256;

/**
 * Every string at the sources field (`source_records`, or a pattern like `invoices[].id`), at most
 * 100 of them, each cut to MAX_SOURCE_ID_CHARS: they go into the call's audit row, and 100 ids of
 * 1 MB each made one 100 MB row that held up every commit behind it (outside probe, 2026-12-07).
 */
function collectSourceIds(output: unknown, field: string): string[] {
  const ids = stringsAt(output, parsePattern(field), 100);
  return ids.some((id) => id.length > MAX_SOURCE_ID_CHARS)
    ? ids.map((id) => (id.length > MAX_SOURCE_ID_CHARS ? boundText(id, MAX_SOURCE_ID_CHARS) : id))
    : ids;
}
