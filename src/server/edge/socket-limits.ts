import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface SocketLimits {
  /** Open connections at most; more are refused at accept (Node's server.maxConnections). */
  readonly maxConnections: number;
  /** How long a new connection may stay silent before its first request starts. */
  readonly firstRequestMs: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = { maxConnections: 4_096, firstRequestMs: 10_000 };

/**
 * Limits on what a client can hold open without sending anything useful. Node closes a socket
 * that is slow to send headers only once it has started a request; a connection that says nothing
 * at all stayed open indefinitely, and one client opening thousands used up every file
 * descriptor (health checks and calls then failed). Now a connection must start a request within
 * `firstRequestMs`, headers must arrive within 10 s and a whole request within 30 s (a body
 * trickled a byte at a time stayed open 5 minutes), and the number of connections is capped.
 * Time spent running a call is not counted: only receiving it.
 */
export function applySocketLimits(server: Server, limits: SocketLimits = DEFAULT_SOCKET_LIMITS): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    socket.setTimeout(limits.firstRequestMs, () => socket.destroy());
  });
  // From the first request on, Node's own deadlines apply (request receipt, then keep-alive).
  server.on('request', (req: { socket: Socket }) => req.socket.setTimeout(0));
}
