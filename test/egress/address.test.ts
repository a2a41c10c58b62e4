import { describe, expect, it } from 'vitest';
import { inCidr, parseIp, specialRange } from '../../src/egress/address.js';

const classify = (text: string) => {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an IP: ${text}`);
  return specialRange(ip);
};

describe('address classifier', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local \(cloud metadata\)/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['192.0.2.10', /documentation/],
    ['198.18.0.1', /benchmarking/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['[::1]', /loopback/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['febf::1', /link-local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /documentation/],
    ['::ffff:127.0.0.1', /loopback, IPv4 inside IPv6/],
    ['::ffff:7f00:1', /loopback, IPv4 inside IPv6/],
    ['[::ffff:169.254.169.254]', /metadata.*IPv4 inside IPv6/],
    ['::ffff:10.0.0.1', /private/],
    ['64:ff9b::a9fe:a9fe', /link-local/], // NAT64 of 169.254.169.254
    ['2002:7f00:1::', /loopback/], // 6to4 of 127.0.0.1
    ['::127.0.0.1', /IPv4-compatible/],
  ])('%s is special (%s)', (text, why) => {
    expect(classify(text)).toMatch(why);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '169.255.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    '%s is public',
    (text) => {
      expect(classify(text)).toBeNull();
    },
  );

  it('parses IPv6 forms to the same bytes', () => {
    expect(parseIp('::ffff:127.0.0.1')?.bytes).toEqual(parseIp('::ffff:7f00:1')?.bytes);
    expect(parseIp('0:0:0:0:0:0:0:1')?.bytes).toEqual(parseIp('::1')?.bytes);
    expect(parseIp('[2001:db8::1]')?.family).toBe(6);
  });

  it('accepts only canonical literals (the URL parser normalises the rest first)', () => {
    for (const odd of ['127.1', '0x7f.1', '2130706433', '127.0.0.1.', 'localhost', '', '1.2.3.256', '::g'])
      expect(parseIp(odd), odd).toBeNull();
  });

  it('matches CIDR prefixes bit by bit', () => {
    const net = parseIp('172.16.0.0')!;
    expect(inCidr(parseIp('172.31.0.1')!, net, 12)).toBe(true);
    expect(inCidr(parseIp('172.32.0.1')!, net, 12)).toBe(false);
    expect(inCidr(parseIp('::1')!, net, 0)).toBe(false); // never across families
    expect(inCidr(parseIp('fd00::5')!, parseIp('fc00::')!, 7)).toBe(true);
    expect(inCidr(parseIp('fe00::5')!, parseIp('fc00::')!, 7)).toBe(false);
  });
});
