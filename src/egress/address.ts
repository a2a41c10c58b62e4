import { isIP } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/**
 * Parses a literal IP address: dotted-quad IPv4 or IPv6 (brackets and a `%zone` suffix allowed).
 * Only canonical forms: URL hosts such as `127.1` or `0x7f.1` are already normalised to
 * `127.0.0.1` by the WHATWG URL parser before they get here. Anything else is null.
 */
export function parseIp(text: string): IpAddress | null {
  let value = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = value.indexOf('%');
  if (zone >= 0) value = value.slice(0, zone);
  const family = isIP(value);
  if (family === 4) return { family: 4, bytes: Uint8Array.from(value.split('.').map(Number)) };
  if (family === 6) return { family: 6, bytes: parseIpv6(value) };
  return null;
}

function parseIpv6(value: string): Uint8Array {
  let text = value;
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, text.length - tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groupsOf(head);
  const right = rest === undefined ? [] : groupsOf(rest);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** Does `address` fall inside `network/prefix` (same family only)? */
export function inCidr(address: IpAddress, network: IpAddress, prefix: number): boolean {
  if (address.family !== network.family) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const bits = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    const i = bit / 8;
    if (((address.bytes[i] ?? 0) & mask) !== ((network.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), or null. */
function embeddedIpv4(address: IpAddress): IpAddress | null {
  const b = address.bytes;
  const v4 = (at: number): IpAddress => ({ family: 4, bytes: b.slice(at, at + 4) });
  if (inCidr(address, MAPPED, 96) || inCidr(address, NAT64, 96)) return v4(12);
  if (inCidr(address, SIX_TO_FOUR, 16)) return v4(2);
  return null;
}

const MAPPED = parseIp('::ffff:0:0')!;
const NAT64 = parseIp('64:ff9b::')!;
const SIX_TO_FOUR = parseIp('2002::')!;

/** Ranges no handler may reach unless the allowlist names the address (RFC 6890 and successors). */
const SPECIAL: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible (deprecated)'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignments (incl. Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated)'],
  ['ff00::', 8, 'multicast'],
];
const SPECIAL_PARSED = SPECIAL.map(([network, prefix, label]) => ({ network: parseIp(network)!, prefix, label }));

/**
 * Why an address is not an ordinary public one (`loopback`, `private`, …), or null if it is.
 * IPv6 forms that carry an IPv4 address (`::ffff:127.0.0.1`, NAT64, 6to4) are judged by that
 * IPv4 address, so a mapped form cannot smuggle a loopback or metadata address past the check.
 */
export function specialRange(address: IpAddress): string | null {
  const inner = address.family === 6 ? embeddedIpv4(address) : null;
  if (inner) {
    const why = specialRange(inner);
    return why === null ? null : `${why}, IPv4 inside IPv6`;
  }
  return SPECIAL_PARSED.find((r) => inCidr(address, r.network, r.prefix))?.label ?? null;
}
