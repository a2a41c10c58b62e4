import type { PathSegment } from '../util/field-path.js';
import { byteLength } from '../util/size.js';

/**
 * The lists and texts fit-to-budget may cut, measured in one walk and kept in a max-heap, and
 * the result being cut, copied on write.
 *
 * Outside probe, 2026-12-07: the fit re-serialised the whole result and re-walked it (copying a
 * path array per node) on each of its up to 200 rounds, and copied the whole parent object on
 * each cut. `{k0:['v'], …, k49999:['v']}` (~600 KB) took 13.3 s on the main thread, 10 K keys
 * 1.7 s, 1 M plain keys 6 s, and all ended `result_too_large` anyway. The rounds are unchanged
 * (same targets, same cuts, same answer); what each costs is not: one walk, a heap pop, the cut.
 *
 * Only a list or text with no list around it can be the largest target: a list is always
 * larger than what it holds. So the targets are those under objects alone; a cut changes the
 * size of that target and of nothing else anyone compares.
 */
export const MIN_TEXT_TO_CUT = 80;

/** An object on the way to targets; copied (once) the first time something under it is cut. */
interface Container {
  readonly parent: Container | undefined;
  readonly key: string;
  readonly source: Record<string, unknown>;
  owned?: Record<string, unknown>;
}

export interface Target {
  /** The object holding it; undefined when the target is the result itself. */
  readonly in: Container | undefined;
  readonly key: string;
  /** Estimated JSON bytes, as the fit has always ranked targets. */
  bytes: number;
  /** Walk order: of two targets as large, the earlier is cut first. */
  readonly order: number;
}

export class CutTargets {
  root: unknown;
  private readonly heap: Target[] = [];

  constructor(root: unknown) {
    this.root = root;
    let order = 0;
    visit(root, undefined, '', (within, key, bytes) => this.push({ in: within, key, bytes, order: order++ }));
  }

  /** The largest target, removed from the heap (`put` it back if it is still cuttable). */
  takeLargest(): Target | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top && last && top !== last) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  put(target: Target): void {
    this.push(target);
  }

  pathOf(target: Target): PathSegment[] {
    const path: PathSegment[] = [];
    for (let c = target.in; c?.parent; c = c.parent) path.push(c.key);
    path.reverse();
    if (target.in) path.push(target.key);
    return path;
  }

  valueOf(target: Target): unknown {
    return target.in ? (target.in.owned ?? target.in.source)[target.key] : this.root;
  }

  /** Puts `value` where the target was, copying the objects above it the first time only. */
  replace(target: Target, value: unknown): void {
    if (target.in) this.own(target.in)[target.key] = value;
    else this.root = value;
  }

  private own(container: Container): Record<string, unknown> {
    if (container.owned) return container.owned;
    const copy = { ...container.source };
    if (container.parent) this.own(container.parent)[container.key] = copy;
    else this.root = copy;
    container.owned = copy;
    return copy;
  }

  private push(target: Target): void {
    this.heap.push(target);
    let i = this.heap.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(this.heap[i]!, this.heap[up]!)) break;
      this.swap(i, up);
      i = up;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const [left, right] = [2 * i + 1, 2 * i + 2];
      let best = i;
      if (left < heap.length && before(heap[left]!, heap[best]!)) best = left;
      if (right < heap.length && before(heap[right]!, heap[best]!)) best = right;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = t;
  }
}

function before(a: Target, b: Target): boolean {
  return a.bytes > b.bytes || (a.bytes === b.bytes && a.order < b.order);
}

type Found = (within: Container | undefined, key: string, bytes: number) => void;

/** Finds the targets under objects; a list is measured whole and not searched further. */
function visit(node: unknown, within: Container | undefined, key: string, found: Found): void {
  if (typeof node === 'string') {
    if (node.length > MIN_TEXT_TO_CUT) found(within, key, estimateBytes(node));
  } else if (Array.isArray(node)) {
    if (node.length > 0) found(within, key, estimateBytes(node));
  } else if (node !== null && typeof node === 'object') {
    const source = node as Record<string, unknown>;
    const container: Container = { parent: within, key, source };
    for (const k of Object.keys(source)) visit(source[k], container, k, found);
  }
}

/**
 * The size estimate targets have always been ranked and cut by (kept as it was so the same
 * targets are cut by the same amounts): exact for texts, close for the rest.
 */
export function estimateBytes(node: unknown): number {
  if (typeof node === 'string') return stringBytes(node);
  if (Array.isArray(node)) {
    let bytes = 2;
    node.forEach((item) => (bytes += estimateBytes(item) + 1));
    return bytes;
  }
  if (node !== null && typeof node === 'object') {
    let bytes = 2;
    for (const k of Object.keys(node)) bytes += estimateBytes((node as Record<string, unknown>)[k]) + k.length + 4;
    return bytes;
  }
  return byteLength(JSON.stringify(node) ?? 'null');
}

// Printable ASCII but `"` and `\`: its JSON is the text in quotes, so no need to build it.
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `byteLength(JSON.stringify(text))`. */
export function stringBytes(text: string): number {
  return PLAIN_JSON_TEXT.test(text) ? text.length + 2 : byteLength(JSON.stringify(text));
}
