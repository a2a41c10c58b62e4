/**
 * Whether a host (as `URL.hostname` or a listen address gives it) is this machine's loopback:
 * `localhost`, 127.0.0.0/8 or ::1. The one definition the server, the OAuth settings, the console
 * sign-in and `doctor` share (each had its own; `doctor` missed 127.0.0.2).
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** An https URL, or plain http on loopback (development and tests only); text that is not a URL is neither. */
export function isHttpsOrLoopback(url: URL | string): boolean {
  if (typeof url === 'string') return URL.canParse(url) && isHttpsOrLoopback(new URL(url));
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
