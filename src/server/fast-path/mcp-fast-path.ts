import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthSuccess } from '../../auth/authenticator.js';
import type { AuthFailure } from '../../auth/challenge.js';
import { SERVER_CAPABILITIES, SERVER_INFO, SERVER_INSTRUCTIONS } from '../../surfaces/mcp/server-factory.js';
import { auditEdgeRefusal, auditWrongCredential, type EdgeRefusalAt } from '../auth-audit.js';
import { auditBlock, outcomeOf, settleAttempt, throttledBody } from '../edge/auth-attempt.js';
import type { AuthThrottle } from '../edge/auth-throttle.js';
import { addressOf } from '../edge/client-address.js';
import { contentEncodingRejection } from '../edge/content-encoding.js';
import { checkHostAndOrigin } from '../edge/host-origin.js';
import { scopeStepUp } from '../edge/scope-step-up.js';
import type { HttpAppOptions } from '../options.js';
import type { FastRequest } from './fast-request.js';
import { classify } from './json-rpc.js';
import { HangUp, HangUpCallRequest } from './hang-up.js';
import { readBody } from './read-body.js';
import { requestIdOf } from './request-id.js';
import { sendAccepted, sendAuthFailure, sendJson, sendResult, sendResultJson, sendToolResult } from './respond.js';
import { toolListCache } from './tool-list-cache.js';

/** Sent with an answer after which the connection is not kept: the rest of its body is not read. */
const CLOSE = { connection: 'close' };

export type FastPathOptions = Pick<
  HttpAppOptions,
  | 'gateway'
  | 'store'
  | 'authenticator'
  | 'allowedHosts'
  | 'allowedOrigins'
  | 'port'
  | 'trustProxy'
  | 'maxBodyBytes'
  | 'logger'
> & {
  /** The same throttle the Hono routes use: one count for every way in. */
  readonly throttle: AuthThrottle;
};

/** Hands a request (with the body already read, if any) to the Hono app and the SDK. */
export type FallThrough = (req: IncomingMessage, res: ServerResponse, body?: Buffer) => void;

/**
 * The node:http fast path for `POST /mcp` (issue #15; docs/decisions.md "Fast path"). The common
 * stateless 2025-era requests — initialize, notifications, ping, tools/list, tools/call — are
 * answered here with one JSON parse and no web Request/Response conversion or per-request SDK
 * server. Every edge check the Hono route makes is made here too, from the same framework-free
 * functions and in the same order: Host/Origin, body limit, the auth-failure throttle,
 * authentication, approver refusal, scope step-up; then the same gateway pipeline. Anything
 * else, batches included, falls through to the SDK unchanged.
 */
export function createMcpFastPath(options: FastPathOptions, fallThrough: FallThrough) {
  const tools = toolListCache(options.gateway);

  return function handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST' || !isMcpPath(req.url)) return false;
    const started = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    serve(req, res, requestId).then(
      (outcome) => {
        // A request handed to the SDK is logged by the Hono app, once, when it is answered.
        if (outcome === 'passed') return;
        const latencyMs = Math.round(performance.now() - started);
        options.logger.info({ requestId, method: 'POST', path: '/mcp', status: res.statusCode, latencyMs }, 'request');
      },
      (error: unknown) => {
        // A client that hung up mid-body is not a server failure. The socket says so, not
        // `req.destroyed`: that is true once the body has been read, so every failure after the
        // read was taken for a hang-up and left the client waiting for an answer (outside probe:
        // a principal without scopes made `tools/list` throw, and the client timed out).
        if (req.socket.destroyed || (error as { code?: string }).code === 'ECONNRESET') {
          options.logger.debug({ requestId }, 'client went away before it was answered');
          return;
        }
        options.logger.error({ err: error, requestId }, 'fast path failed');
        if (!res.headersSent) {
          sendJson(res, 500, { error: 'internal', message: 'The server failed to handle this request.' }, requestId);
        } else res.destroy();
      },
    );
    return true;
  };

  /** 'answered' here, or 'passed' to the SDK. */
  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<'answered' | 'passed'> {
    // Host/Origin: DNS-rebinding protection, exactly as edge/hono-edge.ts applies it.
    const joined = joinedHeaders(req);
    const rejected = checkHostAndOrigin(joined.host, header(req, 'origin'), {
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
      port: options.port(),
    });
    if (rejected) {
      sendJson(res, rejected.status, rejected.body, requestId);
      return 'answered';
    }
    const encoded = contentEncodingRejection(header(req, 'content-encoding'), '/mcp');
    if (encoded) {
      sendJson(res, encoded.status, encoded.body, requestId, encoded.headers);
      return 'answered';
    }

    const read = await readBody(req, options.maxBodyBytes);
    if (!read.ok) {
      const message = `Request body is larger than ${options.maxBodyBytes} bytes.`;
      // The connection closes with the answer: kept alive, Node read and dropped the rest of the
      // body until a deadline, ~500 MB in 40 s from one client (outside probe, 2026-12-07).
      sendJson(res, 413, { jsonrpc: '2.0', id: null, error: { code: -32600, message } }, requestId, CLOSE);
      return 'answered';
    }
    const version = header(req, 'mcp-protocol-version');
    const text = read.body.toString('utf8');
    // A batch is not classified below, so it goes to the SDK path, whose route refuses it
    // (edge/batch-policy.ts) after the auth-failure throttle: refused here, a blocked address got
    // 400 where the SDK path answers 429 (found by differential fuzzing).

    const request = classify(parse(text), {
      accept: header(req, 'accept'),
      contentType: joined['content-type'],
      version,
      method: header(req, 'mcp-method'),
      name: header(req, 'mcp-name'),
    });
    if (!request) {
      fallThrough(req, res, read.body);
      return 'passed';
    }

    const address = addressOf(req.headers['x-forwarded-for'], req.socket.remoteAddress, options.trustProxy);
    const credential = joined.authorization ?? null;
    const admission = options.throttle.admit({ address, credential });
    if (!admission.admitted) {
      if (admission.blockStarted) await auditBlock(options.store, address, 'mcp_http', admission.waitMs);
      const { seconds, body } = throttledBody(admission.waitMs);
      sendJson(res, 429, body, requestId, { 'retry-after': seconds });
      return 'answered';
    }
    try {
      await answer(req, res, requestId, request, address, credential);
    } finally {
      const challenge = res.getHeader('www-authenticate');
      const outcome = outcomeOf(
        res.statusCode,
        typeof challenge === 'string' ? challenge : null,
        'mcp_http',
        !!credential,
      );
      await settleAttempt(options.throttle, options.store, admission.ticket, outcome, { address, surface: 'mcp_http' });
    }
    return 'answered';
  }

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    request: FastRequest,
    address: string,
    credential: string | null,
  ): Promise<void> {
    // Repeated Authorization lines arrive joined (see joinedHeader): the authenticator then
    // refuses them as malformed, as it does on the SDK path.
    const headers =
      credential === (req.headers.authorization ?? null)
        ? req.headers
        : { ...req.headers, authorization: credential ?? undefined };
    const outcome = await options.authenticator.authenticate({ headers, url: req.url ?? '/mcp' });
    if (!outcome.ok) return refuse(res, requestId, outcome, address);
    const who = outcome.who;
    if (who.canApprove) {
      // Separation of duties: a credential that can approve writes never drives a model client.
      await auditWrongCredential(options.store.audit, who, { surface: 'mcp_http', requestId, address });
      const description = 'Approver credentials cannot be used on /mcp; use a model-client token.';
      return sendJson(res, 403, { error: 'forbidden', error_description: description }, requestId);
    }
    switch (request.kind) {
      case 'notification':
        return sendAccepted(res, requestId);
      case 'ping':
        return sendResult(res, request.id, {}, requestId);
      case 'initialize':
        return sendResult(
          res,
          request.id,
          {
            protocolVersion: request.protocolVersion,
            capabilities: SERVER_CAPABILITIES,
            serverInfo: SERVER_INFO,
            instructions: SERVER_INSTRUCTIONS,
          },
          requestId,
        );
      case 'tools/list':
        return sendResultJson(res, request.id, tools.listFor(who.client, who.principal, request.modern), requestId);
      case 'tools/call':
        return call(res, requestId, request, outcome, address);
    }
  }

  async function call(
    res: ServerResponse,
    requestId: string,
    request: Extract<FastRequest, { kind: 'tools/call' }>,
    outcome: AuthSuccess,
    address: string,
  ): Promise<void> {
    const stepUp = scopeStepUp(options.gateway, options.authenticator, outcome, {
      method: 'tools/call',
      params: { name: request.name },
    });
    if (stepUp) {
      return refuse(res, requestId, stepUp.failure, address, {
        tool: stepUp.tool,
        principal: outcome.who.principal,
        client: outcome.who.client,
      });
    }
    // The caller hanging up aborts the handler's upstream requests, as the SDK's request signal does.
    const hangUp = new HangUp(res);
    try {
      const result = await options.gateway.call(
        new HangUpCallRequest(
          {
            tool: request.name,
            args: request.args,
            principal: outcome.who.principal,
            client: outcome.who.client,
            surface: 'mcp_http',
            requestId,
            callId: String(request.id),
          },
          hangUp,
        ),
      );
      if (!res.destroyed) sendToolResult(res, request.id, result, requestId, request.modern);
    } finally {
      hangUp.dispose();
    }
  }

  /** Audits the refusal (the pipeline never ran, so nothing else would) and answers it. */
  async function refuse(
    res: ServerResponse,
    requestId: string,
    failure: AuthFailure,
    address: string,
    extra: Pick<EdgeRefusalAt, 'tool' | 'principal' | 'client'> = {},
  ): Promise<void> {
    await auditEdgeRefusal(options.store.audit, failure, { surface: 'mcp_http', requestId, address, ...extra });
    sendAuthFailure(res, failure, requestId);
  }
}

function isMcpPath(url: string | undefined): boolean {
  return url === '/mcp' || (url !== undefined && url.startsWith('/mcp?'));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The headers whose repeated lines matter, as the SDK path sees them, in one pass over
 * `rawHeaders`. Node keeps only the first of repeated Host, Authorization and Content-Type lines
 * in `req.headers`; fetch's Headers (the SDK path) joins them with ", ", which is then refused:
 * - Host: no valid value contains ", " (RFC 9112 §3.2: more than one Host line is a 400).
 *   Taking the first served `Host: 127.0.0.1` followed by `Host: evil.example`.
 * - Authorization: the bearer parser answers `invalid_request` (RFC 6750 §3.1, a request that
 *   "uses more than one method for including an access token"; RFC 9110 §5.3, a sender "MUST NOT
 *   generate multiple field lines with the same name" unless the field is a list, which
 *   Authorization is not). Taking the first would let a proxy that reads the last one see
 *   another credential than we do.
 * - Content-Type: `application/json, text/plain` is not JSON, 415. Taking the first ran the call.
 */
function joinedHeaders(req: IncomingMessage): Partial<Record<(typeof JOINED)[number], string>> {
  const raw = req.rawHeaders;
  const joined: Partial<Record<(typeof JOINED)[number], string>> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Lengths first: most lines are none of the three, and this runs on every request.
    if (name.length !== 4 && name.length !== 13 && name.length !== 12) continue;
    const lower = name.toLowerCase() as (typeof JOINED)[number];
    if (!JOINED.includes(lower)) continue;
    const before = joined[lower];
    joined[lower] = before === undefined ? raw[i + 1]! : `${before}, ${raw[i + 1]}`;
  }
  return joined;
}
const JOINED = ['host', 'authorization', 'content-type'] as const;

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined; // the SDK answers a parse error with its JSON-RPC code
  }
}
