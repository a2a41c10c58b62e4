import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Linux's range for outgoing connections' local ports (and for listen(0)); a fixed guess elsewhere. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: use its usual default
  }
  return [32_768, 60_999];
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * A free loopback port, for a server whose URL must be known before it listens (an RFC 8707
 * resource, an IdP's redirect URI, PostgreSQL's -p). It is chosen below the ephemeral range:
 * a port from listen(0) is in that range, where every outgoing connection in the test run also
 * takes its local port, and one did take it between the check and the listen (EADDRINUSE in a
 * full run). Below it, only another listener could, and the port is checked free first.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const floor = Math.max(10_000, low - 12_000);
  for (;;) {
    const port = floor + Math.floor(Math.random() * (low - floor));
    if (await canListen(port)) return port;
  }
}
