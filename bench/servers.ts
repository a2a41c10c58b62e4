/**
 * One benchmark target per process (so the load generator does not share its CPU):
 *   raw          — node:http answering tools/call JSON-RPC by hand (the floor: no MCP, no checks)
 *   sdk          — the official SDK's stateless handler with one trivial tool, no auth, no audit
 *   toolgate     — `toolgate serve` on SQLite (the compiled dist/): auth, the whole pipeline, a durable
 *                  audit write per call
 *   toolgate-pg  — the same on a throwaway PostgreSQL server (fsync on) from the installed binaries
 *   toolgate-jwt — the SQLite server with OAuth on: callers sign in with an RS256 JWT checked against
 *                  an IdP's JWKS (served here), as Claude.ai connectors do; the static token is off
 * Prints `ready <url>` once listening (`ready <url> <bearer>` when it issued the caller's token);
 * answers `cpu` on stdin with its CPU time so far (µs), so the runner can report CPU per request,
 * `live` with the heap in use after a full collection (when run with --expose-gc, as the soak
 * does), and `loop` with the longest event-loop delay (ms) since the last `loop`; exits on SIGTERM.
 */
import { serve } from '@hono/node-server';
import { Server, createMcpHandler, type Tool } from '@modelcontextprotocol/server';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { freePort } from '../test/auth/helpers.js';
import { startThrowawayPostgres } from '../test/helpers/postgres.js';
import { BENCH_PRINCIPAL, BENCH_RESULT, benchToolWith, BENCH_TOKEN } from './bench-tool.js';
import { shipped } from './shipped.js';

const target = process.argv[2];
const cleanups: (() => unknown)[] = [];
// The longest the event loop was held up since the last `loop` command: a stall shows here.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'cpu') {
    const { user, system } = process.cpuUsage();
    console.log(`cpu ${user + system}`);
  }
  // What is still reachable after a full collection (with --expose-gc): a leak raises this.
  if (line.trim() === 'live') {
    (globalThis as { gc?: () => void }).gc?.();
    console.log(`live ${process.memoryUsage().heapUsed}`);
  }
  if (line.trim() === 'loop') {
    console.log(`loop ${loopDelay.max / 1e6}`);
    loopDelay.reset();
  }
});
// SIGTERM from the runner; SIGINT when the bench is stopped with Ctrl-C (the whole group gets it).
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const cleanup of cleanups) cleanup();
    process.exit(0);
  });
}

if (target === 'raw') {
  const listed = await listedBenchTools();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { id, method } = JSON.parse(body) as { id: number; method: string };
      const result =
        method === 'tools/list'
          ? { tools: listed }
          : { content: [{ type: 'text', text: JSON.stringify(BENCH_RESULT) }], structuredContent: BENCH_RESULT };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result }));
    });
  }).listen(0, '127.0.0.1', () =>
    console.log(`ready http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`),
  );
} else if (target === 'sdk') {
  const listed = await listedBenchTools();
  const handler = createMcpHandler(() => {
    const server = new Server({ name: 'bare', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', () => ({ tools: listed }));
    server.setRequestHandler('tools/call', () => ({
      content: [{ type: 'text', text: JSON.stringify(BENCH_RESULT) }],
      structuredContent: BENCH_RESULT,
    }));
    return server;
  });
  serve({ fetch: (r) => handler.fetch(r), port: 0, hostname: '127.0.0.1' }, (info) =>
    console.log(`ready http://127.0.0.1:${info.port}/mcp`),
  );
} else if (target === 'toolgate' || target === 'toolgate-pg' || target === 'toolgate-jwt') {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-'));
  // Tens of MB of audit log per run: left behind, a few runs fill a small /tmp.
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  let database = join(dir, 'bench.db');
  if (target === 'toolgate-pg') {
    const pg = await startThrowawayPostgres({ fsync: true });
    if (!pg) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
    cleanups.push(() => pg.stop());
    database = await pg.createDatabase();
  }
  const [{ startServer }, { defineTool }, { silentLogger }] = await Promise.all([
    shipped.startServer(),
    shipped.defineTool(),
    shipped.logger(),
  ]);
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const idp = target === 'toolgate-jwt' ? await startIdp(resource) : undefined;
  if (idp) cleanups.push(() => idp.close());
  const staticToken = {
    token: BENCH_TOKEN,
    principal: BENCH_PRINCIPAL,
    client: 'bench',
  };
  const running = await startServer(
    {
      tools: [benchToolWith(defineTool)],
      server: { tokens: idp ? [] : [staticToken] },
      ...(idp ? { auth: { resource, jwt: { issuer: idp.issuer, jwksUri: `${idp.issuer}/jwks` } } } : {}),
    },
    {
      PORT: String(port),
      TOOLGATE_DB: database,
      TOOLGATE_DATABASE_URL: target === 'toolgate-pg' ? database : undefined,
    },
    silentLogger,
  );
  console.log(`ready ${running.url}/mcp${idp ? ` ${idp.token}` : ''}`);
} else {
  console.error('usage: servers.ts raw|sdk|toolgate|toolgate-pg|toolgate-jwt');
  process.exit(2);
}

/**
 * The bench tool as Toolgate lists it — its schemas, annotations and `_meta` — built by the shipped
 * gateway, so raw and the bare SDK answer `tools/list` with the same tool Toolgate does and the
 * three are measured on the same answer (before, they listed a bare name and `{type: 'object'}`,
 * ~100 bytes against Toolgate's ~1.4 KB).
 */
async function listedBenchTools(): Promise<Tool[]> {
  const [{ openStore }, { createGateway }, { defineTool }, { descriptorToMcpTool }] = await Promise.all([
    shipped.openStore(),
    shipped.createGateway(),
    shipped.defineTool(),
    shipped.translate(),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-list-'));
  try {
    const store = await openStore({ database: join(dir, 'list.db') });
    try {
      const gateway = createGateway({ tools: [benchToolWith(defineTool)], store });
      return gateway.listTools('bench', BENCH_PRINCIPAL).map(descriptorToMcpTool);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An IdP for the JWT target: its JWKS on loopback, and one RS256 access token for `resource`. */
async function startIdp(resource: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = await new SignJWT({ scope: 'billing:read', tenant: 't', azp: 'bench' })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'at+jwt' })
    .setSubject('bench-user')
    .setIssuer(issuer)
    .setAudience(resource)
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
  return { issuer, token, close: () => server.close() };
}
