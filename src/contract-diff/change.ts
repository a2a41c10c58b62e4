/**
 * One classified difference between two contract snapshots. `breaking` means a client that
 * worked against the old contract may fail against the new one, or the gateway now guards the
 * tool less (guards-diff.ts): either way a person confirms it. `safe` changes are still reported
 * so a reviewer sees everything that moved.
 */
export type Severity = 'breaking' | 'safe';

export interface Change {
  readonly severity: Severity;
  /** The tool the change belongs to. */
  readonly tool: string;
  /** Where it occurs in the snapshot file, e.g. `tools.get_x.input.properties.limit.maximum`. */
  readonly path: string;
  /** A stable, greppable name for what happened, e.g. `input-field-removed`. */
  readonly kind: string;
  /** One sentence a reviewer understands: what changed and why it is (not) breaking. */
  readonly reason: string;
}

/** Builds a path segment-by-segment; keys that are not plain identifiers are quoted. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return segment;
  return segment.startsWith('[') ? `${path}${segment}` : `${path}.${segment}`;
}

/** Breaking first, then by tool and path, so the report reads the same on every run. */
export function sortChanges(changes: readonly Change[]): Change[] {
  const rank = (c: Change) => (c.severity === 'breaking' ? 0 : 1);
  return [...changes].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      compare(a.tool, b.tool) ||
      compare(a.path, b.path) ||
      compare(a.kind, b.kind) ||
      compare(a.reason, b.reason),
  );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Short, readable rendering of a JSON value inside a reason. */
export function show(value: unknown): string {
  return value === undefined ? 'none' : JSON.stringify(value);
}

/** Two sets compared: [what only `to` has, what only `from` has]. */
export function setDiff(from: readonly string[], to: readonly string[]): [string[], string[]] {
  return [to.filter((x) => !from.includes(x)), from.filter((x) => !to.includes(x))];
}

/** A tool's changes collected under `path`: `add` puts one at the key below it. */
export function changesUnder(tool: string, path: string) {
  const changes: Change[] = [];
  const add = (severity: Severity, key: string, kind: string, reason: string) => {
    changes.push({ severity, tool, path: childPath(path, key), kind, reason });
  };
  return { changes, add };
}
