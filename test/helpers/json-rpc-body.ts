/**
 * The JSON-RPC message in an /mcp answer's body: plain JSON (the fast path, or the SDK when it
 * answers with JSON) or the single SSE event the SDK streams. Null for an empty body (a 202).
 */
export function messageOf(text: string): unknown {
  const body = text.trim();
  if (body === '') return null;
  if (body.startsWith('{') || body.startsWith('[')) return JSON.parse(body);
  const data = body.split('\n').find((line) => line.startsWith('data: '));
  return data === undefined ? null : JSON.parse(data.slice(6));
}

/** A tools/list POSTed to `mcpUrl` (the /mcp URL) with `token`, as an MCP client sends it. */
export function listToolsOn(mcpUrl: string, token: string): Promise<Response> {
  return fetch(mcpUrl, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
}
