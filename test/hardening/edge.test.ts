import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/contract/define-tool.js';
import { createAuthThrottle, type Attempt, type AuthThrottle } from '../../src/server/edge/auth-throttle.js';
import { request } from 'node:http';
import { agent, AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';

// Issue #13: each outside probe that did not hold, kept as a test.
const APPROVER = 'approver-token-0123456789abcd';
const slow = defineTool({
  name: 'get_slow_answer',
  description: 'Answer after a short wait, to have a call in flight during shutdown.',
  input: z.object({ ms: z.number().int().max(2_000) }),
  output: z.object({ waited: z.number(), source_records: z.array(z.string()) }),
  scopes: ['billing:read'],
  tenant: 'caller',
  handler: async ({ ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return { waited: ms, source_records: [] };
  },
});
const approver = { actorId: 'usr_lead', tenant: 'acme', roles: ['billing_approver'], scopes: [] };
const config = {
  tools: [slow],
  server: {
    maxBodyBytes: 65_536,
    tokens: [
      { token: AGENT_TOKEN, principal: agent, client: 'claude_code' },
      { token: APPROVER, principal: approver, client: 'console', canApprove: true },
    ],
  },
};
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer(config);
});
afterAll(() => server.stop());

const ROUTES = ['/mcp', '/api/drafts/drf_x/approve', '/console/login', '/console/logout', '/healthz', '/metrics'];
const jsonRpc = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('body limit on every route, enforced while streaming (item 2)', () => {
  for (const path of ROUTES) {
    it(`POST ${path} with 5 MB declared is refused with 413 before it is read`, async () => {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', body: 'x'.repeat(5_000_000) });
      expect(res.status).toBe(413);
    });
  }

  it('a 64 MB chunked upload (no Content-Length) is cut off and does not grow the process', async () => {
    const before = process.memoryUsage().rss;
    let sent = 0;
    const chunk = new Uint8Array(1 << 20).fill(120);
    const body = new ReadableStream({
      pull(controller) {
        if (sent >= 64) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const res = await fetch(`${server.url}/console/login`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('Host and Origin on every route, origins compared in full (item 8)', () => {
  for (const path of ['/healthz', '/readyz', '/metrics', '/console/login', '/api/drafts', '/mcp']) {
    it(`GET ${path} with a foreign Host is refused`, async () => {
      // fetch() will not send a foreign Host; node:http will, as a rebinding browser would.
      expect(await statusWithHost(`${server.url}${path}`, 'evil.example')).toBe(403);
      expect(await statusWithHost(`${server.url}${path}`, 'localhost')).not.toBe(403);
    });
  }

  it('another local app on another port is not this server', async () => {
    const other = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...jsonRpc, origin: 'http://127.0.0.1:6666' },
      body: '{}',
    });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ message: expect.stringMatching(/Origin "http:\/\/127.0.0.1:6666"/) });
    const self = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...jsonRpc, origin: server.url },
      body: '{}',
    });
    expect(self.status).toBe(401); // past the origin check, stopped by authentication
  });
});

describe('JSON-RPC batches (item 9)', () => {
  const batch = JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
  const post = (version?: string) =>
    fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        ...jsonRpc,
        authorization: `Bearer ${AGENT_TOKEN}`,
        ...(version ? { 'mcp-protocol-version': version } : {}),
      },
      body: batch,
    });
  it('are refused under 2025-06-18 and later', async () => {
    const res = await post('2025-06-18');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: -32600, message: expect.stringMatching(/batches/) } });
  });
  it('are left to the SDK under 2025-03-26, which allowed them', async () => {
    expect((await post('2025-03-26')).status).not.toBe(400);
  });
});

describe('failed authentication is throttled (item 3)', () => {
  it('repeated wrong tokens from one address get 429 with Retry-After, and the block is audited', async () => {
    const own = await startTestServer(config); // its own throttle: loopback gets blocked here
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 14; i++) {
      const res = await fetch(`${own.url}/api/drafts`, {
        headers: { authorization: `Bearer wrong-token-${i}-0123456789` },
      });
      statuses.push(res.status);
      retryAfter ??= res.headers.get('retry-after');
    }
    const blocked = await own.store.audit.query({ kind: 'auth.throttled' });
    await own.stop();
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(blocked[0]).toMatchObject({ outcome: 'denied', errorCode: 'rate_limited' });
  });

  it('a bare 401 (no credentials: the first step of every OAuth flow) is never counted', async () => {
    const own = await startTestServer(config);
    const statuses = new Set<number>();
    for (let i = 0; i < 15; i++)
      statuses.add((await fetch(`${own.url}/mcp`, { method: 'POST', headers: jsonRpc, body: '{}' })).status);
    await own.stop();
    expect([...statuses]).toEqual([401]);
  });

  it('only the failing address waits, and no block outlasts the maximum', () => {
    let now = 0;
    const throttle = createAuthThrottle({ freeFailures: 3, baseBlockMs: 1_000, maxBlockMs: 8_000, now: () => now });
    const attacker = { address: 'attacker', credential: null };
    const blocks: number[] = [];
    for (let i = 0; i < 50; i++) {
      now += throttle.retryAfterMs(attacker); // the attacker waits out each block, then tries again
      const admission = throttle.admit(attacker);
      if (admission.admitted) throttle.settle(admission.ticket, 'refused');
      else blocks.push(admission.waitMs);
    }
    expect(blocks.slice(0, 5)).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(throttle.retryAfterMs(attacker)).toBe(8_000);
    expect(throttle.retryAfterMs({ address: 'real-user', credential: null })).toBe(0);
    now += 8_001;
    expect(throttle.retryAfterMs(attacker)).toBe(0);
  });

  it('a burst of parallel guesses gets only the free allowance checked, however fast it arrives', async () => {
    const own = await startTestServer(config);
    try {
      const guesses = Array.from({ length: 60 }, (_, i) =>
        fetch(`${own.url}/mcp`, {
          method: 'POST',
          headers: { ...jsonRpc, authorization: `Bearer wrong-${i}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/list' }),
        }).then((r) => r.status),
      );
      const statuses = await Promise.all(guesses);
      expect(statuses.filter((s) => s === 401)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(50);
      expect(await own.store.audit.query({ kind: 'auth.throttled' })).toHaveLength(1);
    } finally {
      await own.stop();
    }
  });

  it("a client's first burst with one good credential is one attempt, not forty", async () => {
    const own = await startTestServer(config);
    try {
      const call = (id: number) =>
        fetch(`${own.url}/mcp`, {
          method: 'POST',
          headers: { ...jsonRpc, authorization: `Bearer ${AGENT_TOKEN}` },
          body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' }),
        }).then((r) => r.status);
      const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => call(i + 1)));
      expect(new Set(statuses)).toEqual(new Set([200]));
    } finally {
      await own.stop();
    }
  });
});

describe('auth throttle keys (item 3: per address and per credential)', () => {
  const refuse = (throttle: AuthThrottle, attempt: Attempt) => {
    const admission = throttle.admit(attempt);
    if (admission.admitted) throttle.settle(admission.ticket, 'refused');
    return admission.admitted;
  };
  it('one leaked or expired token replayed from many addresses is blocked on the token', () => {
    const throttle = createAuthThrottle({ freeFailures: 3 });
    const admitted = Array.from({ length: 20 }, (_, i) =>
      refuse(throttle, { address: `10.0.0.${i}`, credential: 'Bearer old' }),
    );
    expect(admitted.filter(Boolean)).toHaveLength(3);
    expect(throttle.retryAfterMs({ address: '10.9.9.9', credential: 'Bearer old' })).toBeGreaterThan(0);
    expect(throttle.retryAfterMs({ address: '10.9.9.9', credential: 'Bearer other' })).toBe(0);
  });
  it('a valid token interleaved with guesses does not reset the address count', () => {
    const throttle = createAuthThrottle({ freeFailures: 3 });
    let admitted = 0;
    for (let i = 0; i < 10; i++) {
      if (refuse(throttle, { address: 'a', credential: `Bearer guess-${i}` })) admitted += 1;
      const own = throttle.admit({ address: 'a', credential: 'Bearer mine' });
      if (own.admitted) throttle.settle(own.ticket, 'accepted');
    }
    expect(admitted).toBe(3);
  });
  it('a trusted credential keeps working from a blocked address, until it is refused once', () => {
    const throttle = createAuthThrottle({ freeFailures: 2 });
    const real = { address: 'shared-nat', credential: 'Bearer real' };
    const first = throttle.admit(real);
    if (first.admitted) throttle.settle(first.ticket, 'accepted');
    for (let i = 0; i < 5; i++) refuse(throttle, { address: 'shared-nat', credential: `Bearer guess-${i}` });
    expect(throttle.admit({ address: 'shared-nat', credential: 'Bearer guess-9' }).admitted).toBe(false);
    const again = throttle.admit(real);
    expect(again.admitted).toBe(true);
    if (again.admitted) throttle.settle(again.ticket, 'refused'); // revoked meanwhile
    expect(throttle.admit(real).admitted).toBe(false);
  });
  it('an attempt with no verdict (a bare 401, a bad request) releases its count', () => {
    const throttle = createAuthThrottle({ freeFailures: 1 });
    for (let i = 0; i < 5; i++) {
      const admission = throttle.admit({ address: 'a', credential: null });
      expect(admission.admitted).toBe(true);
      if (admission.admitted) throttle.settle(admission.ticket, 'other');
    }
  });
});

describe('console headers and CSRF (item 7)', () => {
  it('pages forbid scripts and framing, are not cached, not sniffed', async () => {
    const res = await fetch(`${server.url}/console/login`);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
  it('sign-in without the form token is refused (login CSRF)', async () => {
    const res = await fetch(`${server.url}/console/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: APPROVER }),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
  });
  it('the session cookie is Secure when the public URL is https, even over a plain-http hop', async () => {
    // The scheme in any case: HTTPS:// left every cookie without Secure before.
    for (const publicUrl of ['https://toolgate.example.com', 'HTTPS://toolgate.example.com']) {
      const tls = await startTestServer(config, { TOOLGATE_PUBLIC_URL: publicUrl });
      try {
        const form = await fetch(`${tls.url}/console/login`);
        expect(form.headers.get('set-cookie')).toMatch(/; Secure/);
      } finally {
        await tls.stop();
      }
    }
  });
});

describe('shutdown drains with a deadline (item 5)', () => {
  it('a silent TCP connection does not hold the exit; an in-flight call finishes with its audit', async () => {
    const own = await startTestServer(config, { TOOLGATE_DRAIN_MS: '3000' });
    const { port } = new URL(own.url);
    const silent = connect(Number(port), '127.0.0.1');
    await new Promise((r) => silent.once('connect', r));
    const call = fetch(`${own.url}/mcp`, {
      method: 'POST',
      headers: { ...jsonRpc, authorization: `Bearer ${AGENT_TOKEN}` },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'get_slow_answer', arguments: { ms: 300 } },
      }),
    });
    await new Promise((r) => setTimeout(r, 100));
    await own.close(); // resolves: the silent socket is closed at once, the call is awaited
    rmSync(own.dir, { recursive: true, force: true });
    const res = await call;
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/"waited":300/);
    expect(silent.destroyed || silent.readyState === 'closed' || silent.readableEnded).toBe(true);
    silent.destroy();
  });
});

function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
