import { ConfigError } from '../errors/config-error.js';
import { inCidr, parseIp, type IpAddress } from './address.js';

/**
 * Which ports an entry opens: one port, any port (`host:*`), or the scheme's default port
 * (80 for http, 443 for https) when the entry names none. A bare host therefore never opens
 * the admin port of the same machine.
 */
type PortRule = number | 'any' | 'default';

export type EgressRule =
  | { readonly kind: 'name'; readonly name: string; readonly port: PortRule; readonly entry: string }
  | { readonly kind: 'suffix'; readonly suffix: string; readonly port: PortRule; readonly entry: string }
  | {
      readonly kind: 'ip';
      readonly network: IpAddress;
      readonly prefix: number;
      readonly port: PortRule;
      readonly entry: string;
    };

/** The compiled allowlist of one tool: the union of its credentials' entries. */
export interface Allowlist {
  readonly rules: readonly EgressRule[];
}

export const EMPTY_ALLOWLIST: Allowlist = { rules: [] };

/**
 * Parses allowlist entries. Accepted forms (case-insensitive, a trailing dot is ignored):
 *   `api.acme.internal`        that name, default port (80 / 443)
 *   `api.acme.internal:8443`   that name, that port (`:*` for any port)
 *   `*.acme.internal`          any name below acme.internal (not acme.internal itself)
 *   `10.1.2.3`, `[fd00::5]:8443`, `fd00::5`   a literal address
 *   `10.0.0.0/8`, `10.0.0.0/8:443`, `[fd00::/8]:443`, `fd00::/8`   a network
 * Anything else (a scheme, a path, userinfo, a bad prefix) throws, naming the entry.
 */
export function parseAllowlist(entries: readonly string[], owner = 'egress'): Allowlist {
  return { rules: entries.map((entry) => parseEntry(entry, owner)) };
}

export function mergeAllowlists(lists: readonly Allowlist[]): Allowlist {
  return { rules: lists.flatMap((list) => list.rules) };
}

function parseEntry(raw: string, owner: string): EgressRule {
  const entry = raw.trim();
  // The config's mistake: `serve` exits 2 for it, as for any config that cannot be used.
  const bad = (why: string) => new ConfigError(`${owner}: allowlist entry "${raw}" ${why}`);
  if (entry === '' || /[\s@?#\\]|:\/\//.test(entry)) throw bad('must be a host, host:port, *.suffix, IP or CIDR');

  // A bare IPv6 address or network has colons but no brackets: it carries no port.
  const bareV6 = !entry.startsWith('[') && (entry.match(/:/g) ?? []).length > 1;
  let host = entry;
  let port: PortRule = 'default';
  if (!bareV6) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}|\*))?$/.exec(entry);
    if (!m) throw bad('has an unreadable host or port');
    host = m[1]!;
    if (m[2] === '*') port = 'any';
    else if (m[2] !== undefined) {
      port = Number(m[2]);
      if (port < 1 || port > 65_535) throw bad('has a port outside 1–65535');
    }
  }
  if (host.startsWith('[')) host = host.slice(1, -1);

  if (host.includes('/')) {
    const [address = '', bits = ''] = host.split('/');
    const network = parseIp(address);
    const prefix = Number(bits);
    if (!network || !/^\d{1,3}$/.test(bits) || prefix > (network.family === 4 ? 32 : 128))
      throw bad('is not a valid CIDR network');
    return { kind: 'ip', network, prefix, port, entry };
  }
  const literal = parseIp(host);
  if (literal) return { kind: 'ip', network: literal, prefix: literal.family === 4 ? 32 : 128, port, entry };

  const wildcard = host.startsWith('*.');
  const name = normalizeName(wildcard ? host.slice(2) : host);
  if (name === null || name.includes('*')) throw bad('is not a valid host name');
  // `*.10.0.0.1` or a name the URL parser turns into an address (`127.1`) is not a name.
  if (parseIp(name)) {
    if (wildcard) throw bad('puts a wildcard on an IP address');
    const address = parseIp(name)!;
    return { kind: 'ip', network: address, prefix: address.family === 4 ? 32 : 128, port, entry };
  }
  return wildcard ? { kind: 'suffix', suffix: name, port, entry } : { kind: 'name', name, port, entry };
}

/** Lower case, IDNA (punycode), one trailing dot dropped, exactly as the URL parser sees the host. */
export function normalizeName(host: string): string | null {
  try {
    const hostname = new URL(`http://${host}/`).hostname;
    return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  } catch {
    return null;
  }
}

function portAllowed(rule: PortRule, port: number, defaultPort: number): boolean {
  return rule === 'any' || (rule === 'default' ? port === defaultPort : port === rule);
}

/** What a request is aimed at, after URL normalisation. */
export interface HostPort {
  /** Lower-case name without trailing dot, or a literal IP without brackets. */
  readonly host: string;
  readonly port: number;
  /** 80 for http, 443 for https. */
  readonly defaultPort: number;
}

/** The rule that lets a request name this host (a name rule for names, an IP rule for literals). */
export function matchHost(list: Allowlist, target: HostPort): EgressRule | undefined {
  const literal = parseIp(target.host);
  if (literal) return matchAddress(list, literal, target);
  return list.rules.find(
    (rule) =>
      portAllowed(rule.port, target.port, target.defaultPort) &&
      ((rule.kind === 'name' && rule.name === target.host) ||
        (rule.kind === 'suffix' && isBelow(target.host, rule.suffix))),
  );
}

/** `host` is a name below `suffix` with no empty label (`.acme.internal` is not below it). */
function isBelow(host: string, suffix: string): boolean {
  if (!host.endsWith(`.${suffix}`)) return false;
  const labels = host.slice(0, -suffix.length - 1);
  return labels !== '' && !labels.split('.').includes('');
}

/** The IP / CIDR rule that names this address explicitly (special ranges need one). */
export function matchAddress(list: Allowlist, address: IpAddress, target: HostPort): EgressRule | undefined {
  return list.rules.find(
    (rule) =>
      rule.kind === 'ip' &&
      portAllowed(rule.port, target.port, target.defaultPort) &&
      inCidr(address, rule.network, rule.prefix),
  );
}
