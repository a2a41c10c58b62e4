import { formatPath, type PathSegment } from '../util/field-path.js';
import { byteLength, prefixWithinBytes, sliceWhole } from '../util/size.js';
import { CutTargets, estimateBytes, MIN_TEXT_TO_CUT, stringBytes, type Target } from './cut-targets.js';

/** One cut the budget made, reported to the model in `notices.truncated`. */
export interface Cut {
  readonly field: string;
  readonly unit: 'items' | 'characters';
  readonly kept: number;
  readonly omitted: number;
}

/**
 * Shrinks a result until its JSON fits `maxBytes` (R3). The largest list or text is cut first,
 * repeatedly; every cut is returned so the caller can say what was left out. Lists are cut from
 * the end (handlers sort what matters first); texts keep their head and get an explicit marker,
 * and a wrapped untrusted text keeps its closing tag so the boundary stays intact.
 */
export interface FitResult {
  readonly value: unknown;
  readonly cuts: Cut[];
  readonly fits: boolean;
  /** `JSON.stringify(value)`, as measured for the fit (undefined where that gives undefined). */
  readonly json: string | undefined;
}

const MAX_ROUNDS = 200;
const WRAPPER_CLOSE = /\n?<\/untrusted_content>$/;
const OLD_MARKER = /… \[truncated: \d+ more characters\]$/;

/**
 * Each round measures the result, stops if it fits, else cuts the largest target by the excess.
 * The result is serialised whole once up front and once more when it is thought to fit; between
 * the two its size is kept by subtracting what each cut removed (see cut-targets.ts for why).
 */
export function fitToBudget(value: unknown, maxBytes: number, overhead: (cuts: readonly Cut[]) => number): FitResult {
  const whole = JSON.stringify(value) as string | undefined;
  if (byteLength(whole ?? '') + overhead([]) <= maxBytes) return { value, cuts: [], fits: true, json: whole };
  const targets = new CutTargets(value);
  const cuts = new Map<string, Cut>();
  let size = byteLength(whole ?? '');
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let total = size + overhead([...cuts.values()]);
    if (total <= maxBytes && round > 0) {
      const json = JSON.stringify(targets.root) as string | undefined;
      size = byteLength(json ?? ''); // the same unless a value's JSON is not its parts' (toJSON)
      total = size + overhead([...cuts.values()]);
      if (total <= maxBytes) return { value: targets.root, cuts: [...cuts.values()], fits: true, json };
    }
    const target = targets.takeLargest();
    if (!target) break;
    size -= cutTarget(targets, target, total - maxBytes, cuts);
  }
  return { value: targets.root, cuts: [...cuts.values()], fits: false, json: undefined };
}

/** Cuts one target by `excess`, puts it back if still cuttable; returns the JSON bytes removed. */
function cutTarget(targets: CutTargets, target: Target, excess: number, cuts: Map<string, Cut>): number {
  const before = targets.valueOf(target);
  const after = shrink(before, excess, target.bytes, targets.pathOf(target), cuts);
  targets.replace(target, after);
  if (Array.isArray(before) && Array.isArray(after)) {
    const removed = removedItems(before, after.length);
    target.bytes -= removed.estimate;
    if (after.length > 0) targets.put(target);
    return removed.exact;
  }
  const [was, is] = [stringBytes(String(before)), stringBytes(String(after))];
  target.bytes = is;
  if (String(after).length > MIN_TEXT_TO_CUT) targets.put(target);
  return was - is;
}

/** What dropping a list's items from `keep` on takes off its JSON, exactly and as estimated. */
function removedItems(list: readonly unknown[], keep: number): { exact: number; estimate: number } {
  let exact = keep > 0 ? list.length - keep : Math.max(0, list.length - 1); // the commas
  let estimate = 0;
  for (let i = keep; i < list.length; i++) {
    exact += byteLength(JSON.stringify(list[i]) ?? 'null');
    if (i in list) estimate += estimateBytes(list[i]) + 1;
  }
  return { exact, estimate };
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
