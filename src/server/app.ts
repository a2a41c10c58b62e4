import { Hono } from 'hono';
import { newId } from '../util/ids.js';
import { createConsoleRoutes } from '../console/routes.js';
import { createApiRoutes } from './api-routes.js';
import { createMcpRoute } from './mcp-route.js';
import { createAuthThrottle, type AuthThrottle } from './edge/auth-throttle.js';
import { edgeChecks, throttleAuthFailures } from './edge/hono-edge.js';
import type { HttpAppOptions } from './options.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP face of Toolgate: `/mcp`, `/api`, `/console`, `/healthz`, `/readyz`, `/metrics`. A fetch-native Hono app,
 * so tests can call `app.request()` and `toolgate serve` mounts it on node:http.
 */
export function createHttpApp(options: HttpAppOptions): {
  app: Hono;
  close: () => Promise<void>;
  /** Shared with the node:http fast path, so failures count once whichever way they come in. */
  throttle: AuthThrottle;
} {
  const app = new Hono();
  const mcp = createMcpRoute({ ...options, onError: (err) => options.logger.warn({ err }, 'mcp request rejected') });

  // Request id and one structured log line per request.
  app.use('*', async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : newId('req');
    c.set('requestId' as never, requestId as never);
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    options.logger.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        latencyMs: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  app.use('*', ...edgeChecks(options));
  // One throttle for every way in: a guesser cannot spread attempts across /mcp, /api and the console.
  const throttle = createAuthThrottle();
  const guard = (surface: 'mcp_http' | 'api' | 'console') =>
    throttleAuthFailures(throttle, options.store, surface, options.trustProxy);
  app.use('/mcp', guard('mcp_http'));
  app.use('/api/*', guard('api'));
  app.use('/console/login', guard('console'));
  // Failed IdP callbacks (forged state, no PKCE verifier, a refused code) answer 401 and count too.
  app.use('/console/oidc/*', guard('console'));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    // Readiness is the store (can we write the audit?); upstream health is reported, not gated on:
    // one internal API being down should not take every other tool out of the load balancer.
    const upstreams = options.gateway.runtime.breakers.health();
    try {
      await options.store.ping();
      return c.json({ status: 'ready', store: options.store.kind, upstreams });
    } catch (error) {
      // The detail (e.g. "store is closed", "migrations pending: 2") is what an operator needs here.
      const reason = (error as { detail?: string }).detail ?? (error as Error).message;
      return c.json({ status: 'unavailable', store: options.store.kind, reason, upstreams }, 503);
    }
  });
  app.get('/metrics', async (c) =>
    c.text(await options.metrics.metrics(), 200, { 'content-type': options.metrics.contentType }),
  );

  // RFC 9728 §3: the metadata is served at the well-known URL (root and path-suffixed), only
  // when OAuth is configured; static-token-only servers have no authorization server to name.
  const resourceServer = options.authenticator.resourceServer;
  // Readable from any origin (CORS `*`, no credentials): browser-based clients discover the
  // authorization server from it, and the SDK's discovery sends MCP-Protocol-Version, which
  // makes the browser ask first (OPTIONS).
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, OPTIONS',
    'access-control-allow-headers': 'mcp-protocol-version',
    'access-control-max-age': '86400',
  };
  for (const path of resourceServer?.metadataPaths ?? []) {
    app.get(path, (c) => c.json(resourceServer!.metadata, 200, { 'cache-control': 'public, max-age=300', ...cors }));
    app.options(path, (c) => c.body(null, 204, cors));
  }
  app.route(
    '/api',
    createApiRoutes(options.gateway, options.authenticator, { trustProxy: options.trustProxy }) as unknown as Hono,
  );
  // Parsed, not compared as text: `HTTPS://…` is https too (the scheme is case-insensitive).
  const secureCookies = options.publicUrl ? new URL(options.publicUrl).protocol === 'https:' : false;
  const consoleRoutes = createConsoleRoutes(options.gateway, options.authenticate, {
    secureCookies,
    trustProxy: options.trustProxy,
    console: options.console,
    publicUrl: options.publicUrl,
  });
  app.route('/console', consoleRoutes as unknown as Hono);
  app.all('/mcp', (c) => mcp.handle(c));
  app.notFound((c) =>
    c.json(
      {
        error: 'not_found',
        message: `No route ${c.req.method} ${c.req.path}. Try /mcp, /console, /api/drafts, /healthz, /readyz or /metrics.`,
      },
      404,
    ),
  );
  app.onError((err, c) => {
    options.logger.error({ err }, 'unhandled error in HTTP app');
    return c.json({ error: 'internal', message: 'The server failed to handle this request.' }, 500);
  });
  return { app, close: () => mcp.close(), throttle };
}
