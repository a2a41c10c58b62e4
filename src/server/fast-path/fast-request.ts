/**
 * What the fast path serves itself, decided from the parsed body and headers. Anything else —
 * another method, a malformed message, a 2026-07-28 request other than a well-formed tools/list
 * or tools/call (modern-request.ts), a batch the spec still allows — returns null and goes to
 * the SDK unchanged, which answers it with its own checks and wording.
 */
export type FastRequest =
  | { readonly kind: 'notification' }
  | { readonly kind: 'ping'; readonly id: JsonRpcId }
  | { readonly kind: 'initialize'; readonly id: JsonRpcId; readonly protocolVersion: string }
  | { readonly kind: 'tools/list'; readonly id: JsonRpcId; readonly modern: boolean }
  | {
      readonly kind: 'tools/call';
      readonly id: JsonRpcId;
      readonly name: string;
      readonly args: Record<string, unknown>;
      readonly modern: boolean;
    };

/** The request headers that decide how a message is served. */
export interface ProtocolHeaders {
  readonly accept: string | undefined;
  readonly contentType: string | undefined;
  /** MCP-Protocol-Version. */
  readonly version: string | undefined;
  /** Mcp-Method and Mcp-Name (2026-07-28). */
  readonly method: string | undefined;
  readonly name: string | undefined;
}

/** A JSON-RPC id the fast path echoes: a string or a safe integer (the SDK refuses others). */
export type JsonRpcId = string | number;

export function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));
}
