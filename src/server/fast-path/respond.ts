import type { ServerResponse } from 'node:http';
import { failureHeaders, type AuthFailure } from '../../auth/challenge.js';
import type { JsonRpcId } from './json-rpc.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  writeJson(res, status, JSON.stringify(body), requestId, headers);
}

/** A JSON-RPC result as a plain JSON body (MCP transports: the server may answer a POST with JSON). */
export function sendResult(res: ServerResponse, id: JsonRpcId, result: unknown, requestId: string): void {
  writeJson(res, 200, JSON.stringify({ jsonrpc: '2.0', id, result }), requestId);
}

/** The same, for a result already serialised (a cached `tools/list`). */
export function sendResultJson(res: ServerResponse, id: JsonRpcId, resultJson: string, requestId: string): void {
  writeJson(res, 200, `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`, requestId);
}

/** MCP transports: a notification accepted is "HTTP status code 202 Accepted with no body". */
export function sendAccepted(res: ServerResponse, requestId: string): void {
  res.writeHead(202, ['x-request-id', requestId, 'x-content-type-options', 'nosniff']);
  res.end();
}

export function sendAuthFailure(res: ServerResponse, failure: AuthFailure, requestId: string): void {
  sendJson(res, failure.status, { error: failure.error, error_description: failure.description }, requestId, {
    ...failureHeaders(failure),
  });
}

/**
 * Every fast-path answer carries what the Hono app's would (x-request-id, nosniff). The throttle
 * reads WWW-Authenticate back (getHeader), so a challenge goes through setHeader; everything else
 * is one writeHead with a flat list, Node's cheapest way to send headers.
 */
function writeJson(
  res: ServerResponse,
  status: number,
  text: string,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  const flat = ['x-request-id', requestId, 'x-content-type-options', 'nosniff', 'content-type', 'application/json'];
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'www-authenticate') res.setHeader(name, value);
    else if (name !== 'content-type') flat.push(name, value);
  }
  flat.push('content-length', String(Buffer.byteLength(text)));
  res.writeHead(status, flat);
  res.end(text);
}
