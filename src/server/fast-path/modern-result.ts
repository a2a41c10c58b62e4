import { SERVER_INFO_META_KEY } from '@modelcontextprotocol/server';
import { SERVER_INFO } from '../../surfaces/mcp/server-factory.js';

/**
 * What a 2026-07-28 result carries on top of the 2025 one, as the SDK's `encodeResult` adds it:
 * `resultType` and the server's identity in `_meta`. (tools/list also gets its cache hints, see
 * tool-list-cache.ts.) The tests in test/server/fast-path.test.ts compare both answers whole.
 */
export function withModernFields<T extends object>(result: T & { readonly _meta?: object | undefined }) {
  return { ...result, resultType: 'complete', _meta: { ...result._meta, [SERVER_INFO_META_KEY]: SERVER_INFO } };
}

/** The same, as JSON text to splice into a result built as text: a `_meta` entry and a tail. */
export const MODERN_META_ENTRY = `${JSON.stringify(SERVER_INFO_META_KEY)}:${JSON.stringify(SERVER_INFO)}`;
export const MODERN_TAIL = `,"resultType":"complete"`;
