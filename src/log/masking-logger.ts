import type { Logger } from 'pino';
import { boundText } from '../util/size.js';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const MAX_DEPTH = 6;
/** Longest text a value below MAX_DEPTH is logged as, after masking (masking first: a cut must not halve a secret). */
const MAX_DEEP_CHARS = 16_384;

/**
 * A logger that passes every string it is given, at any depth, through `mask` first: the gateway's
 * credentials (once used), its own inbound tokens and keys. The audit row of a call was masked, but
 * the same error in the log was not: a handler that threw `… Authorization: Bearer <credential>`
 * put the credential in the log in clear, and `ctx.logger` wrote whatever a handler gave it.
 * Errors are copied with their texts masked (pino then serialises them as ever). Only levels that are
 * enabled are looked at, so a silent or `info` logger pays nothing for `debug` calls.
 */
export function maskingLogger(logger: Logger, mask: (text: string) => string): Logger {
  return new Proxy(logger, {
    get(target, property, receiver) {
      if (property === 'child')
        return (bindings: Parameters<Logger['child']>[0], options?: Parameters<Logger['child']>[1]) =>
          maskingLogger(target.child(masked(bindings, mask, 0) as typeof bindings, options) as unknown as Logger, mask);
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof property !== 'string' || !LEVELS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (!target.isLevelEnabled(property)) return;
        (value as (...a: unknown[]) => void).apply(
          target,
          args.map((arg) => masked(arg, mask, 0)),
        );
      };
    },
  });
}

function masked(value: unknown, mask: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return mask(value);
  if (value === null || typeof value !== 'object') return value;
  // Bytes are shown as a count: a Buffer holding a credential was logged byte by byte, unmasked.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  // Below the walk's depth, the rest as masked JSON text: it was logged raw, and the errors HTTP
  // clients throw nest a request's headers that deep (outside probe, 2026-12-07).
  if (depth >= MAX_DEPTH) return boundText(mask(jsonOrNote(value)), MAX_DEEP_CHARS);
  if (value instanceof Error) return maskedError(value, mask, depth);
  // What JSON would write (a Date's time, a URL's href), masked, rather than `{}`.
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    let json: unknown;
    try {
      json = (toJSON as () => unknown).call(value);
    } catch {
      return '[toJSON threw]'; // pino would have caught it; the caller's log line must not throw
    }
    return masked(json, mask, depth + 1);
  }
  if (Array.isArray(value)) return value.map((item) => masked(item, mask, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // pino reads `err` through its serializer; a serialised error is a plain object already.
    out[key] = masked(item, mask, depth + 1);
  }
  return out;
}

/** The same kind of error (pino names it by its constructor), with its texts and fields masked. */
function maskedError(error: Error, mask: (text: string) => string, depth: number): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  for (const key of Object.getOwnPropertyNames(error))
    Object.defineProperty(copy, key, {
      value: masked((error as unknown as Record<string, unknown>)[key], mask, depth + 1),
      enumerable: Object.prototype.propertyIsEnumerable.call(error, key),
      writable: true,
      configurable: true,
    });
  if ('cause' in error) copy.cause = masked(error.cause, mask, depth + 1);
  return copy;
}

/**
 * The value as JSON text, bytes as a count as above: JSON.stringify calls a Buffer's toJSON first,
 * which writes it byte by byte, so the replacer looks at the value before that (`this[key]`).
 */
function jsonOrNote(value: object): string {
  try {
    return (
      JSON.stringify(value, function (this: Record<string, unknown>, key: string, item: unknown) {
        const raw = this[key];
        if (ArrayBuffer.isView(raw) || raw instanceof ArrayBuffer) return `[${raw.byteLength} bytes]`;
        return typeof item === 'bigint' ? String(item) : item;
      }) ?? ''
    );
  } catch {
    return '[not serialisable]'; // a cycle, a toJSON that throws
  }
}
