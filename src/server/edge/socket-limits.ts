import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { parseIp } from '../../egress/address.js';

export interface SocketLimits {
  /** Open connections at most; more are refused at accept (Node's server.maxConnections). */
  readonly maxConnections: number;
  /** How long a new connection may stay silent before its first request starts. */
  readonly firstRequestMs: number;
  /** Open connections from one peer address at most; 0 turns the cap off (behind a proxy). */
  readonly maxConnectionsPerAddress: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  maxConnections: 4_096,
  firstRequestMs: 10_000,
  maxConnectionsPerAddress: 256,
};

/**
 * Options only `createServer` takes. Node checks the header and request deadlines below once per
 * `connectionsCheckingInterval`, 30 s by default, so they held for ~30 s and ~60 s, not 10 s and
 * 30 s (outside probe, 2026-12-07): a dribbled body kept its connection 59.8 s.
 */
export const HTTP_SERVER_OPTIONS = { connectionsCheckingInterval: 1_000 } as const;

/**
 * Limits on what a client can hold open without sending anything useful. Node closes a socket
 * that is slow to send headers only once it has started a request; a connection that says nothing
 * at all stayed open indefinitely, and one client opening thousands used up every file
 * descriptor (health checks and calls then failed). Now a connection must start a request within
 * `firstRequestMs`, headers must arrive within 10 s and a whole request within 30 s (a body
 * trickled a byte at a time stayed open 5 minutes), and the number of connections is capped, in
 * all and per peer address: one client without a token held 4,095 of the 4,096 for as long as it
 * liked, and every new call failed (outside probe, 2026-12-07). Time spent running a call is not
 * counted: only receiving it.
 */
export function applySocketLimits(server: Server, limits: SocketLimits = DEFAULT_SOCKET_LIMITS): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = peerOf(socket.remoteAddress ?? '');
    const open = (perAddress.get(address) ?? 0) + 1;
    if (limits.maxConnectionsPerAddress > 0 && open > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, open);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
    socket.setTimeout(limits.firstRequestMs, () => socket.destroy());
  });
  // From the first request on, Node's own deadlines apply (request receipt, then keep-alive).
  server.on('request', (req: { socket: Socket }) => req.socket.setTimeout(0));
}

/**
 * Whose connection this is, for the per-address cap: an IPv4 address as it is (also when a
 * dual-stack socket writes it `::ffff:a.b.c.d`), an IPv6 one by its /64, the block one subscriber
 * is usually given: counted per address, one client with a /64 had unlimited buckets (review).
 */
export function peerOf(remoteAddress: string): string {
  const ip = parseIp(remoteAddress);
  if (!ip || ip.family === 4) return remoteAddress;
  const b = ip.bytes;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return b.subarray(12).join('.');
  const hex = (i: number) => (((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16);
  return `${hex(0)}:${hex(2)}:${hex(4)}:${hex(6)}::/64`;
}
