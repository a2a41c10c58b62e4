import { describe, expect, it } from 'vitest';
import { matchHost, parseAllowlist, type Allowlist } from '../../src/egress/allowlist.js';
import { targetOf } from '../../src/egress/target.js';

/** Does `url` name a host this allowlist lists? (The same two steps the guard takes first.) */
const allows = (list: Allowlist, url: string): boolean | string => {
  const target = targetOf(new URL(url));
  if ('refused' in target) return target.refused;
  return matchHost(list, target) !== undefined;
};

describe('allowlist parsing', () => {
  it('reads every documented form', () => {
    const { rules } = parseAllowlist([
      'API.Acme.Internal.',
      'api.acme.internal:8443',
      'files.acme.internal:*',
      '*.svc.acme.internal',
      '10.1.2.3',
      '[fd00::5]:8443',
      'fd00::6',
      '10.0.0.0/8:443',
      '[fd00::/8]:443',
      'fc00::/7',
      '127.1:8080',
    ]);
    expect(rules.map((r) => [r.kind, r.port])).toEqual([
      ['name', 'default'],
      ['name', 8443],
      ['name', 'any'],
      ['suffix', 'default'],
      ['ip', 'default'],
      ['ip', 8443],
      ['ip', 'default'],
      ['ip', 443],
      ['ip', 443],
      ['ip', 'default'],
      ['ip', 8080],
    ]);
    expect(rules[0]).toMatchObject({ name: 'api.acme.internal' });
    expect(rules[10]).toMatchObject({ prefix: 32 }); // 127.1 read as 127.0.0.1, like a URL would
  });

  it.each([
    'https://api.acme.internal',
    'api.acme.internal/v1',
    'user@api.acme.internal',
    'api.acme.internal:0',
    'api.acme.internal:70000',
    '10.0.0.0/33',
    'fd00::/129',
    'not-an-ip/8',
    '*.10.0.0.1',
    'a*.acme.internal',
    '',
    'api acme',
  ])('rejects %j, naming it', (entry) => {
    expect(() => parseAllowlist([entry], 'egress.billing_read')).toThrow(/egress\.billing_read: allowlist entry/);
  });
});

describe('host matcher', () => {
  const list = parseAllowlist([
    'api.acme.internal',
    'admin.acme.internal:8443',
    '*.svc.acme.internal',
    '127.0.0.1:8788',
    '10.0.0.0/8:9000',
    '[fd00::5]:443',
  ]);

  it('matches a listed name case-insensitively and ignores a trailing dot', () => {
    expect(allows(list, 'http://api.acme.internal/v1')).toBe(true);
    expect(allows(list, 'https://API.ACME.INTERNAL./v1')).toBe(true);
    expect(allows(list, 'http://api.acme.internal.evil.example/')).toBe(false);
    expect(allows(list, 'http://evil-api.acme.internal/')).toBe(false);
  });

  it('opens only the default ports for a bare host, and exactly the listed port otherwise', () => {
    expect(allows(list, 'http://api.acme.internal:80/')).toBe(true);
    expect(allows(list, 'https://api.acme.internal:443/')).toBe(true);
    expect(allows(list, 'http://api.acme.internal:443/')).toBe(false); // 443 is not http's default
    expect(allows(list, 'http://api.acme.internal:9200/')).toBe(false);
    expect(allows(list, 'https://admin.acme.internal:8443/')).toBe(true);
    expect(allows(list, 'https://admin.acme.internal/')).toBe(false);
  });

  it('matches a wildcard below the suffix, never the suffix itself', () => {
    expect(allows(list, 'http://orders.svc.acme.internal/')).toBe(true);
    expect(allows(list, 'http://a.b.svc.acme.internal/')).toBe(true);
    expect(allows(list, 'http://svc.acme.internal/')).toBe(false);
    expect(allows(list, 'http://xsvc.acme.internal/')).toBe(false);
  });

  it('sees through the IPv4 spellings the URL parser normalises', () => {
    for (const url of [
      'http://127.0.0.1:8788/',
      'http://127.1:8788/',
      'http://0x7f.1:8788/',
      'http://2130706433:8788/',
    ])
      expect(allows(list, url), url).toBe(true);
    expect(allows(list, 'http://127.0.0.1:8789/')).toBe(false);
    expect(allows(list, 'http://127.0.0.2:8788/')).toBe(false);
    expect(allows(list, 'http://0x7f.2:8788/')).toBe(false);
  });

  it('does not treat an IPv4-mapped IPv6 literal as the listed IPv4 address', () => {
    expect(allows(list, 'http://[::ffff:127.0.0.1]:8788/')).toBe(false);
    expect(allows(list, 'http://[::1]:8788/')).toBe(false);
  });

  it('matches literal addresses against IP and CIDR entries only', () => {
    expect(allows(list, 'http://10.20.30.40:9000/')).toBe(true);
    expect(allows(list, 'http://10.20.30.40/')).toBe(false);
    expect(allows(list, 'https://[fd00::5]/')).toBe(true);
    expect(allows(list, 'https://[FD00:0::5]/')).toBe(true);
    expect(allows(list, 'https://[fd00::6]/')).toBe(false);
  });

  it('judges the real host of a URL with userinfo, and refuses userinfo outright', () => {
    expect(targetOf(new URL('http://api.acme.internal@evil.example/'))).toMatchObject({
      refused: 'URL carries userinfo',
      label: 'evil.example:80',
    });
    expect(allows(list, 'http://user:pw@api.acme.internal/')).toBe('URL carries userinfo');
  });

  it('refuses schemes other than http and https', () => {
    expect(allows(list, 'file:///etc/passwd')).toMatch(/scheme file:/);
    expect(allows(list, 'ftp://api.acme.internal/')).toMatch(/scheme ftp:/);
  });

  it('an empty allowlist matches nothing', () => {
    expect(allows(parseAllowlist([]), 'http://api.acme.internal/')).toBe(false);
  });
});
