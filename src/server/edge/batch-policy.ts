/**
 * JSON-RPC batching was removed from MCP in revision 2025-06-18 ("Remove support for JSON-RPC
 * batching", changelog); a client that negotiated that version or later must not send one.
 * Without the MCP-Protocol-Version header the spec says to assume 2025-03-26, which allowed it.
 * Framework-free: the Hono route and the node:http fast path both ask it.
 */
export function refusedBatch(
  protocolVersion: string | undefined | null,
  body: string,
): { readonly status: 400; readonly body: Record<string, unknown> } | null {
  if (!protocolVersion || protocolVersion < '2025-06-18') return null;
  if (!body.trimStart().startsWith('[')) return null;
  const message = `JSON-RPC batches are not part of MCP ${protocolVersion}; send one request per POST.`;
  return { status: 400, body: { jsonrpc: '2.0', id: null, error: { code: -32600, message } } };
}
