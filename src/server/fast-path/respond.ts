import type { ServerResponse } from 'node:http';
import { failureHeaders, type AuthFailure } from '../../auth/challenge.js';
import type { JsonRpcId } from './json-rpc.js';

/** Headers every fast-path answer carries, like the Hono app's (x-request-id, nosniff). */
function baseHeaders(requestId: string): Record<string, string> {
  return { 'x-request-id': requestId, 'x-content-type-options': 'nosniff' };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  // setHeader rather than writeHead(status, headers): the throttle reads WWW-Authenticate back.
  const all: Record<string, string> = { ...baseHeaders(requestId), 'content-type': 'application/json', ...headers };
  for (const [name, value] of Object.entries(all)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.statusCode = status;
  res.end(text);
}

/** A JSON-RPC result as a plain JSON body (MCP transports: the server may answer a POST with JSON). */
export function sendResult(res: ServerResponse, id: JsonRpcId, result: unknown, requestId: string): void {
  sendJson(res, 200, { jsonrpc: '2.0', id, result }, requestId);
}

/** MCP transports: a notification accepted is "HTTP status code 202 Accepted with no body". */
export function sendAccepted(res: ServerResponse, requestId: string): void {
  res.writeHead(202, baseHeaders(requestId));
  res.end();
}

export function sendAuthFailure(res: ServerResponse, failure: AuthFailure, requestId: string): void {
  sendJson(res, failure.status, { error: failure.error, error_description: failure.description }, requestId, {
    ...failureHeaders(failure),
  });
}
