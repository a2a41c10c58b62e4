import {
  isInitializeRequest,
  isJsonContentType,
  isJSONRPCNotification,
  isJSONRPCRequest,
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import { isRecord } from '../../util/is-record.js';
import type { FastRequest, ProtocolHeaders } from './fast-request.js';
import { classifyModern, MODERN_VERSIONS } from './modern-request.js';

// The 2025-era revisions the SDK serves statelessly; their requests carry no envelope to check.
const LEGACY_VERSIONS: ReadonlySet<string> = new Set(SUPPORTED_PROTOCOL_VERSIONS);

export function classify(message: unknown, headers: ProtocolHeaders): FastRequest | null {
  if (headers.version !== undefined && MODERN_VERSIONS.has(headers.version)) return classifyModern(message, headers);
  // MCP transports, "Protocol Version Header": without one the server "SHOULD assume 2025-03-26".
  if (headers.version !== undefined && !LEGACY_VERSIONS.has(headers.version)) return null;
  if (!acceptsJson(headers)) return null;
  // The message's shape is judged by the SDK's own guards (~1 µs): only jsonrpc, id, method and
  // params; an id that is a string or a safe integer; params an object with a well-formed `_meta`.
  // Checked by hand before, they let through what the SDK refuses (an extra member, an id past
  // 2^53 echoed back changed, `_meta: 5`, a notification with `params: 5`), and a tools/call ran.
  // Which guard by whether there is an id: a guard that fails builds zod's issue list, ~3 µs a
  // request when every request was first tried as a notification.
  if (!isRecord(message) || !('id' in message)) {
    if (!isJSONRPCNotification(message)) return null;
    if (!message.method.startsWith('notifications/') || claimsEnvelope(message.params)) return null;
    return { kind: 'notification' };
  }
  if (!isJSONRPCRequest(message)) return null;
  const { id, method, params } = message;
  // The body decides the era (the SDK's classifyInboundRequest): an envelope claim under a 2025
  // header is a disagreement the SDK refuses with its own error.
  if (claimsEnvelope(params)) return null;
  switch (method) {
    case 'ping':
      return { kind: 'ping', id };
    case 'tools/list':
      // ListToolsRequest: a cursor is a string. Any other param (a `task`, say) is the SDK's to judge.
      if (!only(params, ['cursor', '_meta'])) return null;
      if (params?.cursor !== undefined && typeof params.cursor !== 'string') return null;
      return { kind: 'tools/list', id, modern: false };
    case 'initialize': {
      const version = params?.protocolVersion;
      if (typeof version !== 'string' || !LEGACY_VERSIONS.has(version)) return null;
      // The whole handshake by the SDK's own schema (only on initialize, so its cost is rare):
      // checked by hand, nested fields (`clientInfo.icons: [5]`, `capabilities.roots.listChanged:
      // "yes"`) got a result here where the SDK answers an error.
      if (!isInitializeRequest(message)) return null;
      return { kind: 'initialize', id, protocolVersion: version };
    }
    case 'tools/call': {
      // Only the params this path serves: a `task` (task-augmented calls, which the SDK checks and
      // refuses when malformed) or anything else goes to the SDK. A `task: 5` ran here before.
      if (!only(params, ['name', 'arguments', '_meta'])) return null;
      const name = params?.name;
      // Absent arguments are {}; null or anything else is the SDK's to refuse.
      const args = params?.arguments === undefined ? {} : params.arguments;
      if (typeof name !== 'string' || !isRecord(args)) return null;
      return { kind: 'tools/call', id, name, args, modern: false };
    }
    default:
      return null;
  }
}

function claimsEnvelope(params: unknown): boolean {
  return isRecord(params) && isRecord(params._meta) && PROTOCOL_VERSION_META_KEY in params._meta;
}

/** Params with no member but `keys` (absent params have none). */
function only(params: Record<string, unknown> | undefined, keys: readonly string[]): boolean {
  return params === undefined || Object.keys(params).every((key) => keys.includes(key));
}

/**
 * MCP transports (2025-era): the client "MUST include an Accept header, listing both
 * application/json and text/event-stream", and the body must be JSON. Anything short of that is
 * the SDK's to refuse (406/415) with its own wording.
 */
function acceptsJson(headers: ProtocolHeaders): boolean {
  const accept = headers.accept ?? '';
  return (
    accept.includes('application/json') &&
    accept.includes('text/event-stream') &&
    // The media type itself, as the SDK compares it: not `application/jsonx` or a parameter.
    headers.contentType !== undefined &&
    isJsonContentType(headers.contentType)
  );
}
