import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { shortAuditKeyWarning } from '../audit/key-check.js';
import { ConfigError } from '../errors/config-error.js';
import { createAuthenticator } from '../auth/authenticator.js';
import { staticTokenAuthenticator } from '../auth/static-tokens.js';
import type { ToolgateConfig } from '../config/define-config.js';
import { resolveSettings } from '../config/load-config.js';
import { gatewayFromConfig } from '../config/gateway-from-config.js';
import { oauthTools } from '../config/oauth-toolset.js';
import { oauthClientOf } from '../auth/auth-config.js';
import type { Gateway } from '../gateway/create-gateway.js';
import { describeDatabase, openStore } from '../store/open-store.js';
import type { Store } from '../store/types.js';
import { createHttpApp } from './app.js';
import { createNodeListener } from './fast-path/listener.js';
import { trackConnections } from './drain.js';
import { createMetrics } from './metrics.js';
import { startRecoverySweep } from './recovery-sweep.js';
import { anchorLogger, startAuditCheckpoints } from './audit-checkpoint.js';
import { applySocketLimits, DEFAULT_SOCKET_LIMITS, HTTP_SERVER_OPTIONS } from './edge/socket-limits.js';
import { isLoopbackHost } from '../util/loopback.js';
export interface RunningServer {
  readonly url: string;
  readonly gateway: Gateway;
  readonly store: Store;
  /** Stops accepting, lets in-flight calls finish, flushes the audit log, closes the store. */
  close(): Promise<void>;
}

/**
 * `toolgate serve` without the CLI: used by the command, the demo and the tests. A config passed
 * from code is taken as it is: `loadConfig`'s checks (config-problems.ts) are for files, which
 * TypeScript may never have seen.
 */
export async function startServer(
  config: ToolgateConfig,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  store?: Store,
): Promise<RunningServer> {
  const settings = resolveSettings(config, env);
  const wantedPort = settings.port; // a bad PORT fails here, before anything is opened
  const anonymous = config.server?.anonymous;
  if (anonymous && !isLoopbackHost(settings.host)) {
    throw new Error(
      `server.anonymous is only allowed on a loopback address; HOST is ${settings.host}. Configure bearer tokens instead.`,
    );
  }
  // Issue #12: static tokens, JWTs and introspected tokens through one authenticator. Built before
  // the store opens, so a mistake in the auth block fails startup with nothing left open.
  const authenticator = createAuthenticator({
    staticTokens: config.server?.tokens ?? [],
    anonymous: anonymous && { ...anonymous, canApprove: false },
    auth: config.auth,
    publicUrl: settings.publicUrl,
    toolScopes: oauthTools(config).flatMap((tool) => tool.scopes),
  });
  const ownStore = store ?? (await openStore(settings));
  // Everything started from here is undone, newest first, if the start fails before it listens: a
  // config the gateway or the console cannot be built from, a port in use, a bad HOST. Left open,
  // the store's writer thread kept `serve` running, silent, holding the database (outside probes;
  // `restore` then refused the file as in use).
  const started: (() => unknown)[] = store ? [] : [() => ownStore.close()];
  try {
    const gateway = gatewayFromConfig(config, ownStore, {
      logger,
      cursorKey: settings.cursorKey,
      publicUrl: settings.publicUrl,
      auditKey: settings.auditKey,
    });
    gateway.onCall((e) =>
      logger.info(
        {
          requestId: e.requestId,
          callId: e.callId,
          auditId: e.id,
          actor: e.actor,
          client: e.client,
          surface: e.surface,
          tool: e.tool,
          outcome: e.outcome,
          errorCode: e.errorCode,
          latencyMs: e.latencyMs,
          resultBytes: e.resultBytes,
        },
        'tool call',
      ),
    );
    // Settle drafts a stopped process left mid-execute (never re-runs them): before taking new work,
    // then every RECOVERY_SWEEP_MS (recovery-sweep.ts) for those whose lease was still running (recovery.ts).
    const settleInterrupted = async () => {
      const resumed = await gateway.actions.resumeInterrupted();
      if (resumed.length > 0)
        logger.warn(
          { drafts: resumed.map((d) => ({ id: d.id, status: d.status })) },
          'settled drafts interrupted by a stopped process',
        );
    };
    await settleInterrupted();
    const sweep = startRecoverySweep(settleInterrupted, logger);
    started.push(() => sweep.stop());
    const checkpoints = startAuditCheckpoints(
      gateway.runtime.store.audit,
      anchorLogger(logger),
      undefined,
      settings.auditAnchor,
    );
    started.push(() => checkpoints.stop({ final: false }));
    const oauthClient = oauthClientOf(config.auth);
    if (config.auth && config.toolsets && !config.toolsets[oauthClient] && !config.toolsets['*']) {
      logger.warn(
        { client: oauthClient },
        `OAuth callers use toolset "${oauthClient}", which is not defined: they see no tools`,
      );
    }
    const shortKey = shortAuditKeyWarning(settings.auditKey);
    if (shortKey) logger.warn({ bytes: Buffer.byteLength(settings.auditKey!) }, shortKey);
    // RFC 9068 §4: the resource server "MUST verify that the "typ" header value is "at+jwt"". Unset,
    // any typ passes (Entra and Keycloak send "JWT"). With an audience of its own, such as an app's
    // client id, the IdP's ID tokens for that client carry the same `aud` and pass as access tokens
    // (outside probe); said once at startup, since only the IdP's settings can tell.
    // Only for an audience other than the resource URL (review): an ID token never carries that.
    const rs = authenticator.resourceServer;
    const ownAudience = rs?.audience.filter((audience) => audience !== rs.resource) ?? [];
    if (config.auth?.jwt && config.auth.jwt.typ === undefined && ownAudience.length > 0) {
      logger.warn(
        { audience: ownAudience },
        'auth.jwt.audience is set and auth.jwt.typ is not: ID tokens the IdP issues to that audience would be ' +
          "accepted as access tokens; set auth.jwt.typ to 'at+jwt' if the IdP marks its access tokens so",
      );
    }
    const metrics = createMetrics(gateway);
    started.push(() => metrics.stop());
    const appOptions = {
      gateway,
      // The gateway's view of the store: its audit appends report failures (see runtime.ts).
      store: gateway.runtime.store,
      logger,
      metrics: metrics.registry,
      authenticate: staticTokenAuthenticator(config.server?.tokens ?? []),
      anonymous: anonymous && { ...anonymous, canApprove: false },
      authenticator,
      console: config.console,
      ...edgeSettings(settings),
      port: () => boundPort,
      maxBodyBytes: settings.maxBodyBytes,
    };
    const { app, close: closeApp, throttle } = createHttpApp(appOptions);
    started.push(closeApp);
    let boundPort = wantedPort;
    const server = createServer(
      HTTP_SERVER_OPTIONS,
      createNodeListener(app, { ...appOptions, throttle, fastPath: settings.fastPath }),
    );
    applySocketLimits(server, {
      maxConnections: config.server?.maxConnections ?? DEFAULT_SOCKET_LIMITS.maxConnections,
      firstRequestMs: config.server?.firstRequestMs ?? DEFAULT_SOCKET_LIMITS.firstRequestMs,
      // Behind a proxy every connection is the proxy's: no cap unless one is set (review).
      maxConnectionsPerAddress:
        config.server?.maxConnectionsPerAddress ??
        (settings.trustProxy ? 0 : DEFAULT_SOCKET_LIMITS.maxConnectionsPerAddress),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wantedPort, settings.host, () => resolve());
    }).catch((error: unknown) => {
      throw cannotListen(error, settings.host, wantedPort);
    });
    boundPort = (server.address() as AddressInfo).port;
    const drain = trackConnections(server);
    const stop = async () => {
      // Issue #13, item 5: stop accepting, let in-flight calls finish, close idle and never-used
      // sockets at once, and destroy whatever is left at the deadline.
      // A sweep in flight finishes before the store it uses is closed.
      await Promise.all([drain(settings.drainMs), sweep.stop()]);
      // The sockets are closed now; a handler that ignores its signal may still be running (it
      // kept the process up for its whole timeout, then lost its audit event to the closed
      // store). Stop it: its call answers `unavailable` and is audited before the store closes.
      await gateway.stop();
      await closeApp();
      await checkpoints.stop(); // logs the head as this gateway leaves it
      metrics.stop();
      if (!store) await ownStore.close();
    };
    return serving(server, { gateway, store: ownStore, settings, tools: config.tools.length, logger }, stop);
  } catch (error) {
    for (const undo of started.reverse()) await undo();
    throw error;
  }
}

/** The running server once it listens; `stop` undoes what startServer started, in order, once. */
function serving(
  server: ReturnType<typeof createServer>,
  running: {
    gateway: Gateway;
    store: Store;
    settings: ReturnType<typeof resolveSettings>;
    tools: number;
    logger: Logger;
  },
  stop: () => Promise<void>,
): RunningServer {
  const { gateway, store, settings, tools, logger } = running;
  const { port } = server.address() as AddressInfo;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
  logger.info(
    // Never the setting itself: a PostgreSQL URL carries its password, and these lines are shipped
    // off the machine (the audit checkpoints are; outside probe).
    { url, store: store.kind, database: describeDatabase(settings.database), tools },
    'toolgate listening',
  );
  let closing: Promise<void> | undefined;
  return { url, gateway, store, close: () => (closing ??= stop()) };
}

/** Host/Origin lists, plus the public URL's host and origin when one is configured. */
function edgeSettings(settings: ReturnType<typeof resolveSettings>) {
  const publicUrl = settings.publicUrl ? new URL(settings.publicUrl) : null;
  return {
    allowedHosts: publicUrl ? [...settings.allowedHosts, publicUrl.hostname] : settings.allowedHosts,
    allowedOrigins: publicUrl ? [...settings.allowedOrigins, publicUrl.origin] : settings.allowedOrigins,
    publicUrl: settings.publicUrl,
    trustProxy: settings.trustProxy,
  };
}

/**
 * A listen failure in words that name the setting to change: a raw "getaddrinfo ENOTFOUND x" or
 * "listen EADDRINUSE" left the user to guess it was HOST or PORT. A bad HOST or a port in use is
 * the user's setting, so a ConfigError (exit 2).
 */
function cannotListen(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown }).code;
  const where = `${host}:${port}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL')
    return new ConfigError(
      `cannot listen on ${where}: HOST "${host}" is not an address of this machine (${String(code)}).`,
    );
  if (code === 'EADDRINUSE')
    return new ConfigError(
      `cannot listen on ${where}: the port is in use by another process (EADDRINUSE); set PORT to a free one.`,
    );
  if (code === 'EACCES')
    return new ConfigError(`cannot listen on ${where}: not allowed (ports below 1024 need privileges); set PORT.`);
  return error;
}
