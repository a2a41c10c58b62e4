import type { Change } from './change.js';

/** The `--json` shape: breaking and safe changes, each `{tool, path, kind, reason}`. */
export interface DiffReport {
  readonly breaking: readonly Omit<Change, 'severity'>[];
  readonly safe: readonly Omit<Change, 'severity'>[];
}

export function diffReport(changes: readonly Change[]): DiffReport {
  const strip = ({ tool, path, kind, reason }: Change) => ({ tool, path, kind, reason });
  return {
    breaking: changes.filter((c) => c.severity === 'breaking').map(strip),
    safe: changes.filter((c) => c.severity === 'safe').map(strip),
  };
}

/** One line per change, breaking first, then a summary line naming the snapshot compared against. */
export function formatChanges(changes: readonly Change[], against: string): string {
  const lines = [...changes]
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'breaking' ? -1 : 1))
    .map((c) => `${c.severity === 'breaking' ? 'BREAKING' : 'safe    '}  ${c.path}  ${c.reason}`);
  const breaking = changes.filter((c) => c.severity === 'breaking').length;
  const summary =
    changes.length === 0
      ? `No contract changes against ${against}.`
      : `${breaking} breaking, ${changes.length - breaking} safe change${changes.length - breaking === 1 ? '' : 's'} against ${against}.` +
        ' Once reviewed, run `toolgate contract snapshot` and commit the file.';
  return [...lines, summary].join('\n');
}
