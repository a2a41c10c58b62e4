import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Graceful shutdown with a deadline (issue #13, item 5). Node's `server.close()` waits for every
 * open socket, and a connection that never sends a request is not "idle" to Node, so one silent
 * TCP client could hold the exit forever. This tracks each socket's in-flight requests: on drain,
 * the server stops accepting, sockets with nothing in flight are destroyed at once, busy ones
 * after their response, and anything still open at the deadline is destroyed.
 */
export function trackConnections(server: Server): (deadlineMs: number) => Promise<void> {
  const inFlight = new Map<Socket, number>();
  let draining = false;
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (draining && left === 0) socket.destroy();
    });
  });

  return (deadlineMs) =>
    new Promise<void>((resolve) => {
      draining = true;
      const deadline = setTimeout(() => {
        for (const socket of inFlight.keys()) socket.destroy();
      }, deadlineMs);
      deadline.unref();
      server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      for (const [socket, count] of inFlight) if (count === 0) socket.destroy();
    });
}
