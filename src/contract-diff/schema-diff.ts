import { sameJson } from './canonical-json.js';
import { childPath, show, type Change } from './change.js';
import { ANNOTATIONS, asSchema, branchesOf, unionOf, type Branch, type JsonSchema } from './schema-branches.js';
import { compareTypes, diffConstraints } from './schema-constraints.js';
import { effectChange, fixedChange, unclassified, type Direction, type SchemaContext } from './schema-effect.js';
import { diffObject, OBJECT_KEYWORDS } from './schema-object.js';

/**
 * Compares two JSON Schemas of one tool's input or output and classifies every difference.
 * Pure: schemas in, changes out. Keywords it understands are compared by meaning; any other
 * keyword that differs is reported as breaking, because a silent pass is the one wrong answer.
 */
export function diffSchema(
  tool: string,
  direction: Direction,
  path: string,
  from: Readonly<Record<string, unknown>>,
  to: Readonly<Record<string, unknown>>,
): Change[] {
  return diffNode({ tool, direction }, path, from, to);
}

function diffNode(ctx: SchemaContext, path: string, fromNode: unknown, toNode: unknown): Change[] {
  const [from, to] = [asSchema(fromNode), asSchema(toNode)];
  const changes: Change[] = [];
  const [unionA, unionB] = [unionOf(from)?.key, unionOf(to)?.key];
  // oneOf means "exactly one option": switching it with anyOf can change validity in ways not worth modelling.
  if (unionA && unionB && unionA !== unionB) changes.push(unclassified(ctx, childPath(path, unionB), unionB));
  const [a, b] = [branchesOf(from), branchesOf(to)];
  if (a.length === 1 && b.length === 1) changes.push(...diffBranch(ctx, path, a[0]!, b[0]!));
  else changes.push(...diffUnion(ctx, path, a, b));
  return changes;
}

/**
 * Options of a union. Input: every option a client could send before must still be accepted by
 * some option now. Output: every option the tool may return now must have been expected before.
 * Each such "anchor" is paired with its closest counterpart (fewest breaking, then fewest changes).
 */
function diffUnion(ctx: SchemaContext, path: string, from: Branch[], to: Branch[]): Change[] {
  const input = ctx.direction === 'input';
  const [anchors, others] = input ? [from, to] : [to, from];
  const used = new Set<number>();
  const changes: Change[] = [];
  for (const anchor of anchors) {
    let best: { index: number; changes: Change[]; score: number } | undefined;
    others.forEach((other, index) => {
      const [a, b] = input ? [anchor, other] : [other, anchor];
      if (compareTypes(a.type, b.type) === 'changed') return;
      const found = diffBranch(ctx, path, a, b);
      // Ties go to a counterpart not yet taken, so duplicate options pair up one to one.
      const score =
        found.filter((c) => c.severity === 'breaking').length * 1_000 + found.length * 2 + (used.has(index) ? 1 : 0);
      if (!best || score < best.score) best = { index, changes: found, score };
    });
    if (best) {
      used.add(best.index);
      changes.push(...best.changes);
    } else {
      const what = input ? `${typeName(anchor)} no longer accepted` : `may now return ${typeName(anchor)}`;
      changes.push(effectChange(ctx, at(path, anchor), input ? 'narrowed' : 'widened', what));
    }
  }
  others.forEach((other, index) => {
    if (used.has(index)) return;
    const what = input ? `now also accepts ${typeName(other)}` : `no longer returns ${typeName(other)}`;
    changes.push(effectChange(ctx, at(path, other), input ? 'widened' : 'narrowed', what));
  });
  return changes;
}

/** Two single-type schemas: type first; when the types are unrelated, their keywords are not compared. */
function diffBranch(ctx: SchemaContext, nodePath: string, from: Branch, to: Branch): Change[] {
  const path = at(nodePath, to);
  const changes = diffNotes(ctx, nodePath, from, to);
  const typeMove = compareTypes(from.type, to.type);
  if (typeMove !== 'same') {
    const verb = typeMove === 'changed' ? 'changed' : typeMove;
    changes.push(effectChange(ctx, childPath(path, 'type'), typeMove, `type ${verb} from ${from.type} to ${to.type}`));
    if (typeMove === 'changed') return changes;
  }
  const [a, b] = [from.schema, to.schema];
  const constraints = diffConstraints(ctx, path, a, b);
  changes.push(...constraints.changes);
  const handled = new Set<string>([...constraints.handled, ...OBJECT_KEYWORDS, 'type', ...ANNOTATIONS]);
  if (hasAny(a, OBJECT_KEYWORDS) || hasAny(b, OBJECT_KEYWORDS)) {
    changes.push(...diffObject(ctx, path, a, b, (p, x, y) => diffNode(ctx, p, x, y)));
  }
  for (const key of ['items', 'propertyNames'] as const) {
    handled.add(key);
    if (a[key] !== undefined || b[key] !== undefined)
      changes.push(...diffNode(ctx, childPath(path, key), a[key], b[key]));
  }
  if (Array.isArray(a.prefixItems) && Array.isArray(b.prefixItems) && a.prefixItems.length === b.prefixItems.length) {
    handled.add('prefixItems');
    const [pa, pb] = [a.prefixItems as unknown[], b.prefixItems as unknown[]];
    pa.forEach((item, i) => changes.push(...diffNode(ctx, childPath(childPath(path, 'prefixItems'), i), item, pb[i])));
  }
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (!handled.has(key) && !sameJson(a[key], b[key])) {
      changes.push(unclassified(ctx, childPath(path, key), key));
    }
  }
  return changes;
}

/**
 * Descriptions and titles: safe, but reported so the wording the model reads gets a review. An
 * input default is breaking.
 */
function diffNotes(ctx: SchemaContext, nodePath: string, from: Branch, to: Branch): Change[] {
  const changes: Change[] = [];
  for (const key of [...ANNOTATIONS].sort()) {
    const [a, b] = [from.notes[key]?.value, to.notes[key]?.value];
    if (sameJson(a, b)) continue;
    const written = (to.notes[key] ?? from.notes[key])!.at;
    const path = written ? `${nodePath}.${written}` : nodePath;
    const kind = key === 'description' || key === 'title' ? 'description-changed' : `${key}-changed`;
    const tail = key === 'default' ? ': calls that omit the field behave differently' : '';
    // An input default decides what a call that leaves the field out does (a `dry_run` flipped
    // to false): called safe, it passed CI unreviewed (outside probe).
    const severity = key === 'default' && ctx.direction === 'input' ? 'breaking' : 'safe';
    changes.push(
      fixedChange(ctx, childPath(path, key), severity, kind, `${key} changed from ${show(a)} to ${show(b)}${tail}`),
    );
  }
  return changes;
}

const at = (path: string, branch: Branch) => (branch.at ? `${path}.${branch.at}` : path);
const typeName = (b: Branch) => (b.type === 'any' ? 'values of any type' : `values of type ${b.type}`);
const hasAny = (s: JsonSchema, keys: readonly string[]) => keys.some((k) => s[k] !== undefined);
