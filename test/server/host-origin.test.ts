import { describe, expect, it } from 'vitest';
import { checkHostAndOrigin } from '../../src/server/edge/host-origin.js';

const policy = { allowedHosts: ['localhost', '[::1]', 'Gateway.Example'], allowedOrigins: [], port: 8787 };

describe('checkHostAndOrigin: the Host header', () => {
  it.each([
    ['localhost', true],
    ['localhost:8787', true],
    ['LOCALHOST:1', true],
    [' localhost:8787 ', true],
    ['gateway.example:443', true],
    ['[::1]:8787', true],
    ['[::1]', true],
    ['evil.example', false],
    ['evil.example:8787', false],
    ['localhost.evil.example', false],
    ['[::2]:8787', false],
    [':8787', false],
    ['', false],
  ])('%j is %s', (host, allowed) => {
    expect(checkHostAndOrigin(host, undefined, policy) === null).toBe(allowed);
  });

  it('a missing Host is refused, 400 (RFC 9112 §3.2)', () => {
    expect(checkHostAndOrigin(undefined, undefined, policy)).toMatchObject({ status: 400 });
  });

  it.each([
    'localhost, evil.example', // two Host lines, joined
    'localhost:8787, evil.example',
    'localhost:x@evil.example',
    'evil@localhost',
    '[::1]evil.example',
    'localhost:1/evil',
    'localhost:80:80',
    'localhost:99999',
    'localhost:',
    'localhost evil',
    '[::1',
  ])('%j is not one host[:port]: 400, before the allow-list', (host) => {
    expect(checkHostAndOrigin(host, undefined, policy)).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
  });
});
