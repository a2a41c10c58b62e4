import type { HostPort } from './allowlist.js';

export interface EgressTarget extends HostPort {
  readonly url: URL;
  readonly protocol: 'http:' | 'https:';
  /** `host:port` as the audit shows it: never the path or query, which may carry secrets. */
  readonly label: string;
}

/**
 * Where a URL really points, as the connection would see it: the WHATWG parser has already
 * lower-cased the host, applied IDNA and turned `127.1` / `0x7f.1` / `2130706433` into
 * `127.0.0.1`; here the trailing dot and IPv6 brackets go too. Userinfo (`http://allowed@evil/`)
 * and schemes other than http(s) are refused outright: they only ever serve to confuse a reader.
 */
export function targetOf(url: URL): EgressTarget | { readonly refused: string; readonly label: string } {
  let host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  const defaultPort = url.protocol === 'https:' ? 443 : 80;
  const port = url.port === '' ? defaultPort : Number(url.port);
  const label = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  // Another scheme has no default port of ours: its label shows a port only when the URL names one.
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return {
      refused: `scheme ${url.protocol} is not allowed`,
      label: `${url.protocol}//${url.port === '' ? label.slice(0, label.lastIndexOf(':')) : label}`,
    };
  if (url.username !== '' || url.password !== '') return { refused: 'URL carries userinfo', label };
  return { url, protocol: url.protocol, host, port, defaultPort, label };
}
