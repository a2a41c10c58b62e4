import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';

/**
 * What the fast path serves itself, decided from the parsed body and headers. Anything else —
 * another method, a 2026-07-28 request (its per-request `_meta` envelope is the SDK's to check),
 * a malformed message, a batch the spec still allows — returns null and goes to the SDK unchanged.
 */
export type FastRequest =
  | { readonly kind: 'notification' }
  | { readonly kind: 'ping'; readonly id: JsonRpcId }
  | { readonly kind: 'initialize'; readonly id: JsonRpcId; readonly protocolVersion: string }
  | { readonly kind: 'tools/list'; readonly id: JsonRpcId }
  | {
      readonly kind: 'tools/call';
      readonly id: JsonRpcId;
      readonly name: string;
      readonly args: Record<string, unknown>;
    };

export type JsonRpcId = string | number;

// The 2025-era revisions the SDK serves statelessly; their requests carry no envelope to check.
const LEGACY_VERSIONS: ReadonlySet<string> = new Set(SUPPORTED_PROTOCOL_VERSIONS);

export function classify(message: unknown, protocolVersionHeader: string | undefined): FastRequest | null {
  // MCP transports, "Protocol Version Header": without one the server "SHOULD assume 2025-03-26".
  if (protocolVersionHeader !== undefined && !LEGACY_VERSIONS.has(protocolVersionHeader)) return null;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  const { jsonrpc, id, method, params } = message as Record<string, unknown>;
  if (jsonrpc !== '2.0' || typeof method !== 'string') return null;
  if (id === undefined) return method.startsWith('notifications/') ? { kind: 'notification' } : null;
  if (!isId(id) || (params !== undefined && !isObject(params))) return null;
  switch (method) {
    case 'ping':
      return { kind: 'ping', id };
    case 'tools/list':
      return { kind: 'tools/list', id };
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
      return { kind: 'tools/call', id, name, args };
    }
    default:
      return null;
  }
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
