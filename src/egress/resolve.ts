import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { parseIp, specialRange } from './address.js';
import { matchAddress, type Allowlist } from './allowlist.js';
import type { EgressTarget } from './target.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Name → addresses. The system resolver by default; tests pass their own. */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Resolves a listed name and keeps only the addresses it may connect to: public ones, and
 * special ones (loopback, private, link-local, …) that an IP / CIDR entry names explicitly.
 * `refused` says why each other address was dropped; no address left means no connection.
 */
export async function usableAddresses(
  list: Allowlist,
  target: EgressTarget,
  resolve: Resolver,
): Promise<{ usable: ResolvedAddress[]; refused: string[] }> {
  const usable: ResolvedAddress[] = [];
  const refused: string[] = [];
  for (const resolved of await resolve(target.host)) {
    const ip = parseIp(resolved.address);
    const why = ip === null ? 'not an IP address' : specialRange(ip);
    if (why === null || (ip && matchAddress(list, ip, target))) usable.push(resolved);
    else refused.push(`${resolved.address} (${why})`);
  }
  return { usable, refused };
}

/**
 * A `lookup` for node:http that answers only with the addresses checked above, so the socket
 * connects to exactly what was checked (no second DNS query an attacker could answer
 * differently: this closes DNS rebinding between check and connect). TLS still verifies the
 * certificate against the host name, since `servername` stays the name.
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = typeof options === 'object' ? options.family : undefined;
    const wanted = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    const list = wanted.length > 0 ? wanted : addresses;
    if (typeof options === 'object' && options.all) {
      (callback as unknown as (err: null, all: readonly ResolvedAddress[]) => void)(null, list);
    } else {
      const first = list[0]!;
      callback(null, first.address, first.family);
    }
  };
}
