import type { ServerResponse } from 'node:http';
import { failureHeaders, type AuthFailure } from '../../auth/challenge.js';
import type { CallResult } from '../../pipeline/types.js';
import { AUDIT_META_KEY, callResultToMcp } from '../../surfaces/mcp/translate.js';
import type { JsonRpcId } from './fast-request.js';
import { MODERN_META_ENTRY, MODERN_TAIL, withModernFields } from './modern-result.js';

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

/**
 * A tools/call answer. A successful result's `text` is its structured content already serialised
 * (create-gateway.ts), so the body is put together around it instead of stringifying the same
 * object twice (issue #15); it parses to exactly what callResultToMcp gives (plus, for a
 * 2026-07-28 request, what modern-result.ts adds). Failures take the general path.
 */
export function sendToolResult(
  res: ServerResponse,
  id: JsonRpcId,
  result: CallResult,
  requestId: string,
  modern = false,
): void {
  if (!result.ok) {
    const answer = callResultToMcp(result);
    return sendResult(res, id, modern ? withModernFields(answer) : answer, requestId);
  }
  const audit = result.auditId ? `${JSON.stringify(AUDIT_META_KEY)}:${JSON.stringify(result.auditId)}` : '';
  const entries = modern ? (audit ? `${audit},${MODERN_META_ENTRY}` : MODERN_META_ENTRY) : audit;
  const meta = entries ? `,"_meta":{${entries}}` : '';
  const tail = modern ? MODERN_TAIL : '';
  const text = JSON.stringify(result.text);
  const body = `{"content":[{"type":"text","text":${text}}],"structuredContent":${result.text}${meta}${tail}}`;
  sendResultJson(res, id, body, requestId);
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
