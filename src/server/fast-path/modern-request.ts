import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  classifyInboundRequest,
  isJsonContentType,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { isRecord } from '../../util/is-record.js';
import { isId, type FastRequest, type ProtocolHeaders } from './fast-request.js';

/** The revisions whose answers respond.ts and tool-list-cache.ts know how to build. */
export const MODERN_VERSIONS: ReadonlySet<string> = new Set(['2026-07-28']);

// The envelope keys this path has an answer for; a log level or anything newer goes to the SDK.
const ENVELOPE_KEYS: ReadonlySet<string> = new Set([
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
]);

/**
 * A 2026-07-28 request the fast path may answer itself: a well-formed `tools/list` or `tools/call`
 * that the SDK would serve, or null for anything it would refuse or treat otherwise. The shape
 * and the per-request `_meta` envelope are judged by the SDK's own classifier
 * (`classifyInboundRequest`: JSON-RPC shape, envelope, header/body agreement), so the two cannot
 * disagree about what is valid; what that classifier leaves to the SDK's serving code is checked
 * here, strictly — exact header values, no extra params — and anything short of it falls through
 * to the SDK, which explains the refusal in its own words:
 * - 2026-07-28 transports: every POST is `Content-Type: application/json` (else 415);
 * - "Standard request headers": `MCP-Protocol-Version` and `Mcp-Method` on every request, and
 *   `Mcp-Name` equal to `params.name` on tools/call (a base64-wrapped value goes to the SDK);
 * - the claimed revision is one this path answers (the SDK refuses others with -32022).
 * Toolgate's MCP server is the low-level `Server`, so no tool declares `Mcp-Param-*` headers.
 */
export function classifyModern(message: unknown, headers: ProtocolHeaders): FastRequest | null {
  const { version, method: methodHeader, name: nameHeader, contentType } = headers;
  if (contentType === undefined || !isJsonContentType(contentType)) return null;
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    ...(version === undefined ? {} : { protocolVersionHeader: version }),
    ...(methodHeader === undefined ? {} : { mcpMethodHeader: methodHeader }),
    ...(nameHeader === undefined ? {} : { mcpNameHeader: nameHeader }),
    body: message,
  });
  if (route.kind !== 'modern' || route.messageKind !== 'request') return null;
  const { id, method, params } = route.message;
  const meta = params?._meta;
  if (!isRecord(params) || !isRecord(meta) || meta[PROTOCOL_VERSION_META_KEY] !== version) return null;
  // Both standard headers present and exact: a missing or padded one is the SDK's to judge.
  if (methodHeader !== method || !Object.keys(meta).every((key) => ENVELOPE_KEYS.has(key))) return null;
  if (!isId(id)) return null;
  switch (method) {
    case 'tools/list':
      return only(params, ['_meta']) ? { kind: 'tools/list', id, modern: true } : null;
    case 'tools/call': {
      const { name, arguments: args = {} } = params;
      if (!only(params, ['_meta', 'name', 'arguments']) || typeof name !== 'string' || !isRecord(args)) return null;
      return nameHeader === name ? { kind: 'tools/call', id, name, args, modern: true } : null;
    }
    default:
      return null;
  }
}

function only(params: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(params).every((key) => keys.includes(key));
}
