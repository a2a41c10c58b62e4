import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { DoctorCheck } from './doctor-check.js';
import { isLoopbackHost } from '../util/loopback.js';
import { oauthChecks } from './oauth-checks.js';
import { createSecretMasker } from '../redaction/secrets.js';

/**
 * `toolgate doctor`: checks a running server the way a Claude client would meet it (R17):
 * reachable, TLS, the auth challenge, OAuth metadata (when the gateway is an OAuth resource
 * server), the token, the tool list, result budgets, health, readiness.
 */
export type { DoctorCheck } from './doctor-check.js';

const CLAUDE_CODE_RESULT_TOKENS = 25_000;

export async function runDoctor(url: string, token: string | undefined, timeoutMs = 5_000): Promise<DoctorCheck[]> {
  const checks = await checksOf(url, token, timeoutMs);
  // A server's error text can quote the request back, Authorization header and all: doctor printed
  // the operator's own token (outside probe, 2026-12-07). Its output goes to terminals and CI logs.
  const mask = createSecretMasker(token ? [token] : []);
  return checks.map((check) => ({ ...check, detail: mask(check.detail).text }));
}

async function checksOf(url: string, token: string | undefined, timeoutMs: number): Promise<DoctorCheck[]> {
  const base = url.replace(/\/+$/, '').replace(/\/mcp$/, '');
  const checks: DoctorCheck[] = [];
  const add = (name: string, status: DoctorCheck['status'], detail: string) => checks.push({ name, status, detail });
  const get = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });

  let health: Response;
  try {
    health = await get('/healthz');
  } catch (error) {
    add('reachable', 'fail', `cannot reach ${base}: ${whyUnreachable(error)}`);
    return checks;
  }
  add('reachable', health.ok ? 'ok' : 'fail', `/healthz answered ${health.status}`);
  const parsed = new URL(base);
  if (parsed.protocol === 'https:') add('tls', 'ok', 'HTTPS');
  else
    add(
      'tls',
      isLoopbackHost(parsed.hostname) ? 'ok' : 'warn',
      isLoopbackHost(parsed.hostname)
        ? 'plain HTTP on localhost'
        : "plain HTTP off localhost: Claude's connectors need HTTPS",
    );

  const ready = await get('/readyz').catch(() => undefined);
  const readyBody = ready ? ((await ready.json().catch(() => ({}))) as { reason?: string; store?: string }) : {};
  add(
    'ready',
    ready?.ok ? 'ok' : 'fail',
    ready?.ok
      ? `store ${readyBody.store ?? '?'} reachable, migrations applied`
      : `not ready: ${readyBody.reason ?? (ready ? `status ${ready.status}` : 'no answer')}`,
  );

  const anonymous = await get('/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  }).catch(() => undefined);
  const challenge = anonymous?.headers.get('www-authenticate') ?? '';
  add(
    'auth challenge',
    anonymous?.status === 401 && /^Bearer/i.test(challenge) ? 'ok' : 'fail',
    anonymous?.status === 401
      ? `401 with WWW-Authenticate: ${challenge}`
      : `a request without a token got ${anonymous?.status ?? 'no answer'}; expected 401 with a Bearer challenge`,
  );

  const oauth = await oauthChecks(base, challenge, timeoutMs);
  checks.push(...oauth);

  if (!token) {
    // An OAuth gateway's clients get their tokens from the IdP; a static token only adds the tool checks.
    if (oauth.length > 0) add('token', 'warn', 'no token given (--token-env VAR): tool list not checked');
    else add('token', 'fail', 'no token given (--token-env VAR)');
    return checks;
  }
  const client = new Client({ name: 'toolgate-doctor', version: '1.0.0' });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    add('token', 'ok', 'accepted');
    const { tools } = await client.listTools();
    add(
      'tools',
      tools.length > 0 ? 'ok' : 'warn',
      tools.length > 0
        ? `${tools.length} listed: ${tools.map((t) => t.name).join(', ')}`
        : "the token's toolset is empty",
    );
    const over = tools.filter(
      (t) =>
        Number((t._meta as Record<string, unknown> | undefined)?.['toolgate/maxResultTokens'] ?? 0) >
        CLAUDE_CODE_RESULT_TOKENS,
    );
    add(
      'result sizes',
      over.length ? 'fail' : 'ok',
      over.length
        ? `over Claude Code's ${CLAUDE_CODE_RESULT_TOKENS}-token default: ${over.map((t) => t.name).join(', ')}`
        : `every tool's result budget is within Claude Code's ${CLAUDE_CODE_RESULT_TOKENS}-token default`,
    );
  } catch (error) {
    add(
      'token',
      'fail',
      /401|auth|invalid_token/i.test(String(error))
        ? 'rejected (401): wrong or expired token'
        : `MCP connect failed: ${(error as Error).message}`,
    );
  } finally {
    await client.close().catch(() => undefined);
  }
  return checks;
}

/**
 * fetch says only "fetch failed"; the reason is in its cause (a refused port, a name that does
 * not resolve, a certificate): `doctor` printed the first alone (outside probe).
 */
function whyUnreachable(error: unknown): string {
  const message = (error as Error).message;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  const detail = typeof cause?.message === 'string' ? cause.message : '';
  const why = detail.includes(code) ? detail : [code, detail].filter(Boolean).join(': ');
  return why ? `${message} (${why})` : message;
}
