import { describe, expect, it } from 'vitest';
import { isHttpsOrLoopback, isLoopbackHost } from '../../src/util/loopback.js';

describe('loopback, as the listener, the OAuth settings, the console sign-in and doctor judge it', () => {
  it.each(['localhost', '127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['128.0.0.1', '10.0.0.1', '127.0.0.1.nip.io', 'localhost.example.com', '0.0.0.0', '::', '1127.0.0.1'])(
    '%s is not',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );

  it('https anywhere, plain http on loopback only (URL normalises the spellings of ::1 and 127.1)', () => {
    expect(isHttpsOrLoopback(new URL('https://idp.example.com'))).toBe(true);
    for (const url of ['http://localhost:9000', 'http://[0:0:0:0:0:0:0:1]/', 'http://127.1/', 'http://LOCALHOST/'])
      expect(isHttpsOrLoopback(new URL(url))).toBe(true);
    for (const url of ['http://idp.example.com', 'http://192.0.2.2', 'ftp://127.0.0.1/'])
      expect(isHttpsOrLoopback(new URL(url))).toBe(false);
  });
});
