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
  // The throttle reads WWW-Authenticate back (getHeader), so a challenge goes through setHeader;
  // everything else is one writeHead with a flat list, Node's cheapest way to send headers.
  if (headers['www-authenticate']) res.setHeader('www-authenticate', headers['www-authenticate']);
  const flat = ['x-request-id', requestId, 'x-content-type-options', 'nosniff', 'content-type', 'application/json'];
  for (const [name, value] of Object.entries(headers)) if (name !== 'www-authenticate') flat.push(name, value);
  flat.push('content-length', String(Buffer.byteLength(text)));
  res.writeHead(status, flat);
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
