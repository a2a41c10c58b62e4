import type { EdgeRejection } from './host-origin.js';

/**
 * RFC 9110 §8.4: a body with a content coding the server does not understand is answered 415
 * (§15.5.16: "if the problem was caused by an unsupported content coding, the Content-Encoding …
 * response header field"). Nothing here decodes bodies, and both paths read `Content-Encoding:
 * gzip` as plain JSON: a compressed body failed as a parse error, a plain one labelled gzip was
 * run (an outside differential probe). Only `identity`, or no coding, is taken. Framework-free:
 * the Hono edge and the node:http fast path call it alike.
 */
export function contentEncodingRejection(
  contentEncoding: string | undefined,
  path: string,
): (EdgeRejection & { readonly headers: Readonly<Record<string, string>> }) | null {
  const coding = contentEncoding?.trim().toLowerCase();
  if (!coding || coding === 'identity') return null;
  const message = `Content-Encoding ${contentEncoding} is not accepted; send the body uncompressed.`;
  const body =
    path === '/mcp'
      ? { jsonrpc: '2.0', id: null, error: { code: -32000, message: `Unsupported Media Type: ${message}` } }
      : { error: 'unsupported_media_type', message };
  return { status: 415, body, headers: { 'accept-encoding': 'identity' } };
}
