import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { METADATA_PATH } from '../../auth/protected-resource.js';
import type { Store } from '../../store/types.js';
import type { HttpAppOptions } from '../options.js';
import type { AuthThrottle } from './auth-throttle.js';
import { auditBlock, outcomeOf, settleAttempt, throttledBody, type ThrottledSurface } from './auth-attempt.js';
import { addressOf } from './client-address.js';
import { contentEncodingRejection } from './content-encoding.js';
import { checkHostAndOrigin } from './host-origin.js';

/**
 * The HTTP edge as Hono middleware: thin adapters over the framework-free checks in this folder,
 * applied to every route (/mcp, /api, /console, /metrics, /healthz, /readyz) in this order:
 * Host/Origin, then a body limit enforced while the body streams in, before anything parses it.
 */
/** Every response: a browser must not sniff a JSON or text answer into something executable. */
const BASELINE_HEADERS: Readonly<Record<string, string>> = { 'x-content-type-options': 'nosniff' };

export function edgeChecks(options: HttpAppOptions): MiddlewareHandler[] {
  const hostOrigin: MiddlewareHandler = async (c, next) => {
    const policy = { allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins, port: options.port() };
    // RFC 9112 §3.2.2: with an absolute-form target (`POST http://evil.example/mcp`) the server
    // "MUST ignore the received Host header field … and instead use the host information of the
    // request-target". Only Host was checked, so such a request was served (an outside probe);
    // now both are, the target's authority as if it were the Host.
    const target = absoluteTargetAuthority(c);
    // The protected-resource metadata is public and carries no credential: a browser-based MCP
    // client (the Inspector's UI) reads it cross-origin during OAuth discovery, and refusing its
    // Origin broke that sign-in (an outside probe). The Host is still checked, so a rebinding page
    // gains nothing.
    const origin = isMetadataRead(c) ? undefined : c.req.header('origin');
    const rejected =
      checkHostAndOrigin(c.req.header('host'), origin, policy) ??
      (target === undefined ? null : checkHostAndOrigin(target, undefined, policy));
    if (rejected) return c.json(rejected.body, rejected.status as 403, { ...BASELINE_HEADERS });
    const encoded = contentEncodingRejection(c.req.header('content-encoding'), c.req.path);
    if (encoded) return c.json(encoded.body, 415, { ...BASELINE_HEADERS, ...encoded.headers });
    await next();
    for (const [name, value] of Object.entries(BASELINE_HEADERS)) c.header(name, value);
  };
  // Issue #13, item 2: one unauthenticated 300 MB form post must not grow the process.
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: (c) => {
      const message = `Request body is larger than ${options.maxBodyBytes} bytes.`;
      // The connection closes with the answer, or Node reads the rest of the body (fast-path too).
      const close = { connection: 'close' };
      if (c.req.path === '/mcp')
        return c.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message } }, 413, close);
      return c.json({ error: 'payload_too_large', message }, 413, close);
    },
  });
  return [hostOrigin, limit];
}

const isMetadataRead = (c: Context) =>
  (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') &&
  (c.req.path === METADATA_PATH || c.req.path.startsWith(`${METADATA_PATH}/`));

/** The caller's address for a Hono request (see client-address.ts for the proxy rule). */
export function clientAddress(c: Context, trustProxy: boolean): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return addressOf(c.req.header('x-forwarded-for'), incoming?.socket?.remoteAddress, trustProxy);
}

/**
 * Failed-authentication throttling for a route (issue #13, item 3; auth-throttle.ts): a throttled
 * address or credential gets 429 with Retry-After before the credential is even looked at; the
 * attempt is counted up front and settled by the response; a block's start is audited once.
 */
export function throttleAuthFailures(
  throttle: AuthThrottle,
  store: Store,
  surface: ThrottledSurface,
  trustProxy: boolean,
): MiddlewareHandler {
  return async (c, next) => {
    const address = clientAddress(c, trustProxy);
    // The console's sign-in form carries its token in the body; only the address keys it there.
    const credential = surface === 'console' ? null : (c.req.header('authorization') ?? null);
    const admission = throttle.admit({ address, credential });
    if (!admission.admitted) {
      if (admission.blockStarted) await auditBlock(store, address, surface, admission.waitMs);
      const { seconds, body } = throttledBody(admission.waitMs);
      return c.json(body, 429, { 'retry-after': seconds });
    }
    try {
      await next();
    } finally {
      const outcome = outcomeOf(c.res.status, c.res.headers.get('www-authenticate'), surface, credential !== null);
      await settleAttempt(throttle, store, admission.ticket, outcome, { address, surface });
    }
  };
}

/** The authority of an absolute-form request-target (`http://host:port/path`), or undefined for the usual origin form. */
function absoluteTargetAuthority(c: Context): string | undefined {
  const target = (c.env as { incoming?: { url?: string } } | undefined)?.incoming?.url;
  if (target === undefined || target.startsWith('/')) return undefined;
  // Whatever is not a path: its authority is what follows the scheme, up to the path.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(target)?.[1];
  return authority ?? target;
}
