/**
 * The load generator: `wrk` when it is installed (C, one thread: leaves the other core to the
 * server), otherwise autocannon (a dev dependency, runs everywhere Node does). Fixed duration after
 * a warm-up; latency in milliseconds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Load {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly seconds: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  /** Non-2xx answers plus socket errors: must be 0 for the numbers to mean anything. */
  readonly failures: number;
}

/** BENCH_LOAD=autocannon forces autocannon even where wrk is installed. */
export const generator: 'wrk' | 'autocannon' =
  process.env.BENCH_LOAD !== 'autocannon' && spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined
    ? 'wrk'
    : 'autocannon';

export async function runLoad(load: Load): Promise<LoadResult> {
  return generator === 'wrk' ? runWrk(load) : runAutocannon(load);
}

function runWrk(load: Load): LoadResult {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-wrk-'));
  const script = join(dir, 'post.lua');
  const headers = Object.entries(load.headers)
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  writeFileSync(
    script,
    `wrk.method = "POST"\n${headers}\nwrk.body = ${JSON.stringify(load.body)}\n` +
      'done = function(s, latency)\n' +
      '  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", s.requests, s.duration, ' +
      's.errors.connect + s.errors.read + s.errors.write + s.errors.timeout + s.errors.status, ' +
      'latency:percentile(50), latency:percentile(99), latency:percentile(99.9), 0))\nend\n',
  );
  const args = ['-t1', `-c${load.connections}`, `-d${load.seconds}s`, '-s', script, load.url];
  const out = spawnSync('wrk', args, { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`wrk gave no result: ${out.stderr || out.stdout}`);
  const [requests, durationUs, failures, p50, p99, p999] = line.split(' ').slice(1).map(Number) as number[];
  return {
    requests: requests!,
    rps: requests! / (durationUs! / 1e6),
    p50: p50! / 1000,
    p99: p99! / 1000,
    p999: p999! / 1000,
    failures: failures!,
  };
}

async function runAutocannon(load: Load): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({ ...load, method: 'POST', duration: load.seconds });
  return {
    requests: r.requests.total,
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    p999: r.latency.p99_9,
    failures: r.non2xx + r.errors,
  };
}
