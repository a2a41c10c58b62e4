/**
 * `npm run soak`: steady tools/call load against a real `toolgate serve` process (bench/servers.ts
 * toolgate, the compiled dist/: auth, the whole pipeline, a durable SQLite audit write per call) for SOAK_SECONDS
 * (default 600), sampling the server's RSS (/proc/<pid>/status), V8 heap (its /metrics), the heap
 * still in use after a full collection (--expose-gc) and open descriptors (/proc/<pid>/fd) every
 * few seconds, with the slowest call, the server's longest event-loop delay and its audit commits
 * over 100 ms (its /metrics) since the last sample: a stall with the loop free and a slow commit
 * beside it waited on the disk. Reports the first and the last minute side by side, so a leak
 * shows as growth. Numbers are reported, never asserted; the run fails only if calls fail or the
 * server dies. Not part of `npm test`.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BENCH_TOKEN } from './bench-tool.js';
import { buildShipped } from './shipped.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RPS = Number(process.env.SOAK_RPS ?? 200);
const MAX_IN_FLIGHT = 32;
// A shortened run compares its first and last quarter; a full run its first and last minute.
const WINDOW_S = Math.min(60, SECONDS / 4);
const SAMPLE_MS = Math.min(5_000, (WINDOW_S * 1000) / 3);

interface Sample {
  readonly t: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly liveMb: number;
  readonly fds: number;
  /** Audit commits that took over 100 ms since the server started (toolgate_audit_commit_seconds). */
  readonly slowCommits: number;
}

if (process.env.BENCH_NO_BUILD !== '1') buildShipped();
const child = spawn(
  process.execPath,
  ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./servers.ts', import.meta.url)), 'toolgate'],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, TOOLGATE_LOG_LEVEL: 'silent' },
  },
);
const pid = child.pid!;
const lines = createInterface({ input: child.stdout! });
const mcpUrl = await new Promise<string>((resolve, reject) => {
  lines.on('line', (l) => l.startsWith('ready ') && resolve(l.slice(6)));
  child.once('exit', (code) => reject(new Error(`server exited before it was ready (${code})`)));
});
const base = mcpUrl.replace(/\/mcp$/, '');
let died = false;
child.once('exit', () => (died = true));

const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
  authorization: `Bearer ${BENCH_TOKEN}`,
};
const counts = { ok: 0, failed: 0, shed: 0 };
let inFlight = 0;
let id = 0;
/** The slowest call since the last sample (ms): with the server's loop delay, it tells a stall's side. */
let slowestMs = 0;
async function call(): Promise<void> {
  inFlight++;
  const sent = performance.now();
  try {
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: ++id,
        method: 'tools/call',
        params: { name: 'get_customer_billing_summary', arguments: { customer_id: `cus_${id % 1000}` } },
      }),
    });
    const text = await res.text();
    if (res.ok && text.includes('past_due') && !text.includes('"isError":true')) counts.ok++;
    else counts.failed++;
  } catch {
    counts.failed++;
  } finally {
    inFlight--;
    slowestMs = Math.max(slowestMs, performance.now() - sent);
  }
}

/** Asks the server (bench/servers.ts) for one number over stdin: `live`, `loop`. */
function ask(command: string): Promise<number> {
  return new Promise((resolve) => {
    const onLine = (line: string) => {
      if (!line.startsWith(`${command} `)) return;
      lines.off('line', onLine);
      resolve(Number(line.slice(command.length + 1)));
    };
    lines.on('line', onLine);
    child.stdin!.write(`${command}\n`);
  });
}
/** The server's heap after a full collection: what a leak raises, free of GC timing. */
const liveHeapMb = async () => (await ask('live')) / 2 ** 20;

async function sample(t: number): Promise<Sample> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const heap = Number(/^toolgate_process_nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? NaN);
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const commits = (series: string) =>
    Number(new RegExp(`^toolgate_audit_commit_seconds_${series} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
  const slowCommits = commits('count') - commits('bucket\\{le="0\\.1"\\}');
  return { t, rssMb: rssKb / 1024, heapMb: heap / 2 ** 20, liveMb: await liveHeapMb(), fds, slowCommits };
}

console.log(`soak: ${SECONDS} s at ${RPS} calls/s (at most ${MAX_IN_FLIGHT} in flight) against pid ${pid}`);
const idle = await sample(0);
console.log(`idle before load: rss ${idle.rssMb.toFixed(1)} MB heap ${idle.heapMb.toFixed(1)} MB fds ${idle.fds}`);
const samples: Sample[] = [];
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
// Steady load: a fixed number of calls every 50 ms; when the server falls behind, calls are shed, not queued.
const perTick = RPS / 20;
let owed = 0;
const ticker = setInterval(() => {
  owed += perTick;
  for (; owed >= 1; owed--) {
    if (inFlight >= MAX_IN_FLIGHT) counts.shed++;
    else void call();
  }
}, 50);
while (elapsed() < SECONDS && !died) {
  await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, (SECONDS - elapsed()) * 1000)));
  if (died) break;
  // Read before sample(): its full collection (for `live`) holds the server's loop up itself.
  const loopMs = await ask('loop');
  const s = await sample(Math.round(elapsed() * 10) / 10);
  samples.push(s);
  const line = `t=${String(s.t).padStart(4)}s rss ${s.rssMb.toFixed(1)} MB heap ${s.heapMb.toFixed(1)} MB live ${s.liveMb.toFixed(1)} MB`;
  const newSlowCommits = s.slowCommits - (samples.at(-2) ?? idle).slowCommits;
  const stalls = `slowest call ${slowestMs.toFixed(0)} ms, server loop held ${loopMs.toFixed(0)} ms, audit commits over 100 ms ${newSlowCommits}`;
  console.log(`${line} fds ${s.fds} ok ${counts.ok} failed ${counts.failed} shed ${counts.shed}; ${stalls}`);
  slowestMs = 0;
}
clearInterval(ticker);
while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));

type Key = keyof Omit<Sample, 't'>;
const mean = (xs: Sample[], k: Key) => xs.reduce((n, s) => n + s[k], 0) / Math.max(1, xs.length);
// The heap saw-tooths with garbage collection: its floor (lowest sample) is what a leak raises.
const floor = (xs: Sample[], k: Key) => Math.min(...xs.map((s) => s[k]));
const within = (keep: (s: Sample) => boolean, fallback: Sample | undefined) => {
  const xs = samples.filter(keep);
  return xs.length > 0 || !fallback ? xs : [fallback];
};
const first = within((s) => s.t <= WINDOW_S, samples[0]);
const last = within((s) => s.t >= SECONDS - WINDOW_S, samples.at(-1));
console.log(`\nfirst and last ${WINDOW_S} s of the run (${first.length} and ${last.length} samples):`);
console.log('                   first       last    change');
for (const [label, key, unit, of] of [
  ['RSS (mean)', 'rssMb', 'MB', mean],
  ['heap (mean)', 'heapMb', 'MB', mean],
  ['heap (floor)', 'heapMb', 'MB', floor],
  ['heap after GC', 'liveMb', 'MB', mean],
  ['open fds (mean)', 'fds', '', mean],
] as const) {
  const [a, b] = [of(first, key), of(last, key)];
  const fmt = (n: number) => `${n.toFixed(key === 'fds' ? 0 : 1)}${unit && ` ${unit}`}`.padStart(10);
  const change = `${b >= a ? '+' : ''}${((b / a - 1) * 100).toFixed(1)}%`;
  console.log(`${label.padEnd(16)} ${fmt(a)} ${fmt(b)} ${change.padStart(9)}`);
}
const rate = counts.ok / elapsed();
console.log(`\ncalls: ${counts.ok} ok (${rate.toFixed(0)}/s), ${counts.failed} failed, ${counts.shed} shed`);
console.log(`audit commits over 100 ms: ${(samples.at(-1) ?? idle).slowCommits}`);

const stopping = performance.now();
child.kill('SIGTERM');
await new Promise((r) => (died ? r(undefined) : child.once('exit', r)));
console.log(`server exited ${((performance.now() - stopping) / 1000).toFixed(2)} s after SIGTERM`);
if (counts.failed > 0 || counts.ok === 0) {
  console.error('soak FAILED: calls failed or none succeeded');
  process.exitCode = 1;
}
