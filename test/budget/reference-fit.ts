/**
 * fit-to-budget as it was before the outside probe of 2026-12-07: every round serialised and
 * walked the whole result. Kept only as the reference the fast version must agree with.
 */
import { formatPath, type PathSegment } from '../../src/util/field-path.js';
import { byteLength, prefixWithinBytes, sliceWhole } from '../../src/util/size.js';
import type { Cut, FitResult } from '../../src/budget/fit-to-budget.js';

const MIN_TEXT_TO_CUT = 80;
const MAX_ROUNDS = 200;
const WRAPPER_CLOSE = /\n?<\/untrusted_content>$/;
const OLD_MARKER = /… \[truncated: \d+ more characters\]$/;

export function referenceFit(value: unknown, maxBytes: number, overhead: (cuts: readonly Cut[]) => number): FitResult {
  let current = value;
  const cuts = new Map<string, Cut>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const json = JSON.stringify(current) as string | undefined;
    const size = byteLength(json ?? '') + overhead([...cuts.values()]);
    if (size <= maxBytes) return { value: current, cuts: [...cuts.values()], fits: true, json };
    const target = largestCuttable(current);
    if (!target) break;
    const excess = size - maxBytes;
    current = replaceAt(current, target.path, (node) => shrink(node, excess, target.bytes, target.path, cuts));
  }
  return { value: current, cuts: [...cuts.values()], fits: false, json: undefined };
}

interface Target {
  readonly path: PathSegment[];
  readonly bytes: number;
}

function largestCuttable(root: unknown): Target | undefined {
  let best: Target | undefined;
  const consider = (path: PathSegment[], bytes: number) => {
    if (!best || bytes > best.bytes) best = { path, bytes };
  };
  const walk = (node: unknown, path: PathSegment[]): number => {
    if (typeof node === 'string') {
      const bytes = byteLength(JSON.stringify(node));
      if (node.length > MIN_TEXT_TO_CUT) consider(path, bytes);
      return bytes;
    }
    if (Array.isArray(node)) {
      let bytes = 2;
      node.forEach((item, i) => (bytes += walk(item, [...path, i]) + 1));
      if (node.length > 0) consider(path, bytes);
      return bytes;
    }
    if (node !== null && typeof node === 'object') {
      let bytes = 2;
      for (const [k, v] of Object.entries(node)) bytes += walk(v, [...path, k]) + k.length + 4;
      return bytes;
    }
    return byteLength(JSON.stringify(node) ?? 'null');
  };
  walk(root, []);
  return best;
}

function shrink(
  node: unknown,
  excess: number,
  nodeBytes: number,
  path: PathSegment[],
  cuts: Map<string, Cut>,
): unknown {
  const field = formatPath(path);
  const earlier = cuts.get(field);
  if (Array.isArray(node)) {
    const perItem = nodeBytes / node.length;
    const keep = Math.max(0, Math.min(node.length - 1, node.length - Math.ceil(excess / perItem) - 1));
    const original = earlier ? earlier.kept + earlier.omitted : node.length;
    cuts.set(field, { field, unit: 'items', kept: keep, omitted: original - keep });
    return node.slice(0, keep);
  }
  const text = String(node);
  const closing = WRAPPER_CLOSE.exec(text)?.[0] ?? '';
  // A text cut in an earlier round loses its old marker before it is cut again.
  const body = text.slice(0, text.length - closing.length).replace(OLD_MARKER, '');
  const original = earlier ? earlier.kept + earlier.omitted : body.length;
  // Drop the excess (bytes) plus room for the marker, cut between code points; keep less than all.
  const kept = sliceWhole(prefixWithinBytes(body, byteLength(body) - excess - 64), body.length - 1);
  const omitted = original - kept.length;
  cuts.set(field, { field, unit: 'characters', kept: kept.length, omitted });
  return `${kept}… [truncated: ${omitted} more characters]${closing}`;
}

function replaceAt(root: unknown, path: readonly PathSegment[], change: (node: unknown) => unknown): unknown {
  if (path.length === 0) return change(root);
  const [head, ...rest] = path as [PathSegment, ...PathSegment[]];
  if (Array.isArray(root)) {
    const copy = root.slice();
    copy[head as number] = replaceAt(root[head as number], rest, change);
    return copy;
  }
  const obj = root as Record<string, unknown>;
  return { ...obj, [head]: replaceAt(obj[head as string], rest, change) };
}
