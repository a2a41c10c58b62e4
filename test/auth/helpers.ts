import { createServer } from 'node:net';

/**
 * A free loopback port, for a gateway whose resource URL (RFC 8707) must be known before it
 * listens. Another process could take it in between; on loopback in a test run that is rare.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
