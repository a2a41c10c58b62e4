import { PROTOCOL_VERSION_META_KEY, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { isId, isObject, type FastRequest, type ProtocolHeaders } from './fast-request.js';
import { classifyModern, MODERN_VERSIONS } from './modern-request.js';

// The 2025-era revisions the SDK serves statelessly; their requests carry no envelope to check.
const LEGACY_VERSIONS: ReadonlySet<string> = new Set(SUPPORTED_PROTOCOL_VERSIONS);

export function classify(message: unknown, headers: ProtocolHeaders): FastRequest | null {
  if (headers.version !== undefined && MODERN_VERSIONS.has(headers.version)) return classifyModern(message, headers);
  // MCP transports, "Protocol Version Header": without one the server "SHOULD assume 2025-03-26".
  if (headers.version !== undefined && !LEGACY_VERSIONS.has(headers.version)) return null;
  if (!acceptsJson(headers)) return null;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  const { jsonrpc, id, method, params } = message as Record<string, unknown>;
  if (jsonrpc !== '2.0' || typeof method !== 'string') return null;
  // The body decides the era (the SDK's classifyInboundRequest): an envelope claim under a 2025
  // header is a disagreement the SDK refuses with its own error.
  if (isObject(params) && isObject(params._meta) && PROTOCOL_VERSION_META_KEY in params._meta) return null;
  if (id === undefined) return method.startsWith('notifications/') ? { kind: 'notification' } : null;
  if (!isId(id) || (params !== undefined && !isObject(params))) return null;
  switch (method) {
    case 'ping':
      return { kind: 'ping', id };
    case 'tools/list':
      return { kind: 'tools/list', id, modern: false };
    case 'initialize': {
      const version = params?.protocolVersion;
      if (typeof version !== 'string' || !LEGACY_VERSIONS.has(version)) return null;
      // The SDK explains a malformed handshake (no capabilities or clientInfo) better than we would.
      const info = params?.clientInfo as Record<string, unknown> | undefined;
      if (!isObject(params?.capabilities) || !isObject(info)) return null;
      if (typeof info.name !== 'string' || typeof info.version !== 'string') return null;
      return { kind: 'initialize', id, protocolVersion: version };
    }
    case 'tools/call': {
      const name = params?.name;
      const args = params?.arguments ?? {};
      if (typeof name !== 'string' || !isObject(args)) return null;
      return { kind: 'tools/call', id, name, args, modern: false };
    }
    default:
      return null;
  }
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
    (headers.contentType ?? '').includes('application/json')
  );
}
