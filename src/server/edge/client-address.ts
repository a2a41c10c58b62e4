/**
 * The caller's address: the socket's, or — behind a trusted proxy — the last X-Forwarded-For hop,
 * the one the proxy itself appended. The first hop is whatever the client wrote, so trusting it
 * would let anyone dodge the throttle or get a victim's address blocked. Framework-free: the Hono
 * app and the node:http fast path both call it.
 */
export function addressOf(
  forwardedFor: string | readonly string[] | undefined,
  socketAddress: string | undefined,
  trustProxy: boolean,
): string {
  if (trustProxy && forwardedFor !== undefined) {
    const header = typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',');
    const last = header.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return socketAddress ?? 'unknown';
}
