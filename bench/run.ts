/**
 * `npm run bench`: the same tools/call load against three servers in one run, reported as
 * throughput and latency plus ratios against the bare SDK server (speed is measured here, never
 * asserted in tests). Each server runs in its own process; 16 concurrent connections, fixed count.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BENCH_TOKEN } from './token.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4_000);
const CONCURRENCY = 16;
const here = fileURLToPath(new URL('./servers.ts', import.meta.url));

async function measure(target: string): Promise<{ target: string; rps: number; p50: number; p99: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', here, target], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TOOLGATE_LOG_LEVEL: 'silent' },
  });
  const url = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).on('line', (l) => l.startsWith('ready ') && resolve(l.slice(6))),
  );
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-11-25',
    authorization: `Bearer ${BENCH_TOKEN}`,
  };
  const call = async (id: number) => {
    const started = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'get_customer_billing_summary', arguments: { customer_id: 'cus_123' } },
      }),
    });
    const text = await res.text();
    if (!res.ok || !text.includes('past_due'))
      throw new Error(`${target}: unexpected answer ${res.status} ${text.slice(0, 200)}`);
    return performance.now() - started;
  };
  for (let i = 0; i < 200; i++) await call(i); // warm-up
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) latencies.push(await call(next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  child.kill('SIGTERM');
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { target, rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

const results = [];
for (const target of ['raw', 'sdk', 'toolgate']) results.push(await measure(target));
const sdk = results.find((r) => r.target === 'sdk')!;
console.log(
  `tools/call, ${REQUESTS} requests, ${CONCURRENCY} concurrent, loopback (client: Node fetch, so absolute numbers are client-bound; compare the ratios)\n`,
);
console.log('server     req/s     p50 ms   p99 ms   throughput vs bare SDK');
for (const r of results)
  console.log(
    `${r.target.padEnd(9)} ${r.rps.toFixed(0).padStart(7)}   ${r.p50.toFixed(2).padStart(6)}   ${r.p99.toFixed(2).padStart(6)}   ${(r.rps / sdk.rps).toFixed(2)}×`,
  );
