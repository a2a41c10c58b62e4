/** The part of autocannon's API the benchmark uses (the package ships no types). */
declare module 'autocannon' {
  interface Options {
    url: string;
    connections: number;
    duration: number;
    method: 'POST';
    headers: Record<string, string>;
    body: string;
  }
  interface Result {
    requests: { total: number };
    duration: number;
    non2xx: number;
    errors: number;
    latency: { p50: number; p99: number; p99_9: number };
  }
  export default function autocannon(options: Options): Promise<Result>;
}
