import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AuditEventInput } from '../../audit/event.js';
import type { Store } from '../../store/types.js';
import { newId } from '../../util/ids.js';
import type { HttpAppOptions } from '../options.js';
import type { AuthThrottle } from './auth-throttle.js';
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
    const rejected = checkHostAndOrigin(c.req.header('host'), c.req.header('origin'), {
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
      port: options.port(),
    });
    if (rejected) return c.json(rejected.body, rejected.status as 403, { ...BASELINE_HEADERS });
    await next();
    for (const [name, value] of Object.entries(BASELINE_HEADERS)) c.header(name, value);
  };
  // Issue #13, item 2: one unauthenticated 300 MB form post must not grow the process.
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes,
    onError: (c) => {
      const message = `Request body is larger than ${options.maxBodyBytes} bytes.`;
      if (c.req.path === '/mcp') return c.json({ jsonrpc: '2.0', id: null, error: { code: -32600, message } }, 413);
      return c.json({ error: 'payload_too_large', message }, 413);
    },
  });
  return [hostOrigin, limit];
}

/**
 * The caller's address: the socket's, or — behind a trusted proxy — the last X-Forwarded-For hop,
 * the one the proxy itself appended. The first hop is whatever the client wrote, so trusting it
 * would let anyone dodge the throttle or get a victim's address blocked.
 */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * Failed-authentication throttling for a route (issue #13, item 3): a throttled address gets 429
 * with Retry-After before its credential is even looked at; each 401 counts as a failure; the
 * start of a block is written to the audit log (one event per block, so the log cannot be grown
 * by guessing).
 */
export function throttleAuthFailures(
  throttle: AuthThrottle,
  store: Store,
  surface: 'mcp_http' | 'api' | 'console',
  trustProxy: boolean,
): MiddlewareHandler {
  return async (c, next) => {
    const address = clientAddress(c, trustProxy);
    const wait = throttle.retryAfterMs(address);
    if (wait > 0) {
      const seconds = String(Math.ceil(wait / 1000));
      const message = `Too many failed sign-ins from this address; retry after ${seconds} s.`;
      return c.json({ error: 'rate_limited', message }, 429, { 'retry-after': seconds });
    }
    await next();
    // Only a credential that was presented and refused counts. A bare 401 (no token) is the first
    // step of every OAuth flow, and Claude.ai connects from a few shared addresses.
    const refused = c.res.status === 401 && /error=/.test(c.res.headers.get('www-authenticate') ?? '');
    const consoleRefused = c.res.status === 401 && surface === 'console';
    if (!refused && !consoleRefused) {
      if (c.res.status < 400) throttle.succeed(address);
      return;
    }
    const blockMs = throttle.fail(address);
    // A blocked address never reaches fail(), so a positive block here is the start of a new one.
    if (blockMs > 0) {
      await store.audit.append(throttledEvent(address, surface, blockMs)).catch(() => undefined);
    }
  };
}

function throttledEvent(address: string, surface: AuditEventInput['surface'], blockMs: number): AuditEventInput {
  return {
    id: newId('aud'),
    time: new Date().toISOString(),
    kind: 'auth.throttled',
    requestId: null,
    callId: null,
    surface,
    client: 'unknown',
    actor: `address:${address}`,
    tenant: null,
    tool: '-',
    decision: 'deny',
    reason: `repeated authentication failures; address blocked for ${Math.ceil(blockMs / 1000)} s`,
    outcome: 'denied',
    errorCode: 'rate_limited',
    inputSummary: '{}',
    outputSummary: null,
    resultBytes: 0,
    resultTokens: 0,
    sourceIds: [],
    latencyMs: 0,
    data: null,
  };
}
