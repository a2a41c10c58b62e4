import { budgetBytes } from './result-budget.js';

/**
 * How far over its budget a handler's output may be before the gateway refuses it unread.
 *
 * Outside probe, 2026-12-07: nothing bounded a handler's output before validate-output (zod),
 * the untrusted guard, redaction and the output budget each walked all of it; 1 M plain keys
 * (13.5 MB) took 6 s and 852 MB RSS on the main thread, to end `result_too_large` anyway. Those
 * stages cost per value and per character, so both are capped, and the cap is measured before
 * any of them runs.
 *
 * A result that fits B bytes shows at most ~B/2 values, so 32 values a budget byte is 64 times
 * what can ever be shown, and 1,024 bytes a budget byte (16 MB at the default 16,000) leaves room
 * for handlers that return a long list and let the budget keep its head: the 5 MB log fixture
 * (about 120 K values, 6.9 MB, on an 8 KB budget) passes with room to spare in both.
 */
export const CAP_BYTES_PER_BUDGET_BYTE = 1_024;
export const CAP_VALUES_PER_BUDGET_BYTE = 32;

export interface OutputCap {
  readonly bytes: number;
  readonly values: number;
}

export function outputCapOf(limits: { readonly maxResultBytes: number; readonly maxResultTokens: number }): OutputCap {
  const budget = budgetBytes(limits);
  return { bytes: budget * CAP_BYTES_PER_BUDGET_BYTE, values: budget * CAP_VALUES_PER_BUDGET_BYTE };
}

/** Marks the end of a container's contents, so a cycle is not walked round forever. */
class Leave {
  constructor(readonly node: object) {}
}

/** Bytes (a lower bound of the JSON's) and values seen so far, against the cap. */
class Meter {
  bytes = 0;
  values = 0;
  constructor(private readonly cap: OutputCap) {}

  /** Counts one value (its own bytes plus `extra`); true once over the cap. */
  add(value: unknown, extra = 0): boolean {
    this.values++;
    this.bytes += leafBytes(value) + extra;
    return this.bytes > this.cap.bytes || this.values > this.cap.values;
  }
}

/**
 * Whether `output` is over the cap. It counts a lower bound of the JSON bytes (never more than
 * JSON.stringify would give) and every value, and stops as soon as either is over: apart from
 * listing one object's keys, its cost is bounded by the cap, not by the output. Arrays and
 * objects are looked into, class instances too (zod's object schemas accept them, and a `Rows`
 * of 100,000 rows slipped past as one value: review); an object JSON writes through its toJSON
 * (a Date, a URL) counts as one value, as does a reference back to an enclosing object.
 */
export function exceedsOutputCap(output: unknown, cap: OutputCap): boolean {
  const meter = new Meter(cap);
  const pending: unknown[] = [output];
  const enclosing = new Set<object>();
  if (meter.add(output)) return true;
  while (pending.length > 0) {
    const node = pending.pop();
    if (node instanceof Leave) enclosing.delete(node.node);
    else if (isContainer(node) && !enclosing.has(node)) {
      enclosing.add(node);
      pending.push(new Leave(node));
      if (enqueueContents(node, pending, meter)) return true;
    }
  }
  return false;
}

/** Counts and queues a container's members, with its brackets, keys and commas; true once over. */
function enqueueContents(node: object, pending: unknown[], meter: Meter): boolean {
  meter.bytes += 2;
  let separator = 0; // no comma before the first member
  if (Array.isArray(node)) {
    for (let i = node.length - 1; i >= 0; i--, separator = 1) {
      const item: unknown = node[i];
      pending.push(item);
      if (meter.add(item, separator)) return true;
    }
    return false;
  }
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (!shownInJson(value)) continue;
    pending.push(value);
    if (meter.add(value, key.length + 3 + separator)) return true; // "key":
    separator = 1;
  }
  return false;
}

function leafBytes(node: unknown): number {
  if (typeof node === 'string') return node.length + 2; // a UTF-16 unit is at least one byte
  if (typeof node === 'number' || typeof node === 'bigint') return 1;
  if (typeof node === 'boolean' || node === null) return 4;
  return 0;
}

function shownInJson(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/** What JSON.stringify walks the own keys of: any array or object without a toJSON. */
function isContainer(node: unknown): node is object {
  if (Array.isArray(node)) return true;
  return node !== null && typeof node === 'object' && typeof (node as { toJSON?: unknown }).toJSON !== 'function';
}
