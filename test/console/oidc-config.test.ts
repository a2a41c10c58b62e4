import { describe, expect, it } from 'vitest';
import { resolveConsoleOidc } from '../../src/console/oidc/oidc-config.js';

/** The console.oidc block is checked at startup, with messages that say what to change. */
const base = { issuer: 'https://idp.example.com', clientId: 'console', approverRole: 'approver' };

describe('console.oidc config', () => {
  it('defaults the callback to <publicUrl>/console/oidc/callback and always asks for openid', () => {
    const resolved = resolveConsoleOidc({ ...base, scopes: ['profile', 'roles'] }, 'https://gw.example.com/');
    expect(resolved.redirectUri).toBe('https://gw.example.com/console/oidc/callback');
    expect(resolved.scopes).toEqual(['openid', 'profile', 'roles']);
    expect(resolved.insecure).toBe(false);
  });

  it('allows a plain-http issuer on loopback only', () => {
    expect(resolveConsoleOidc({ ...base, issuer: 'http://127.0.0.1:8789' }, 'http://127.0.0.1:1').insecure).toBe(true);
    expect(() => resolveConsoleOidc({ ...base, issuer: 'http://idp.example.com' }, 'https://gw')).toThrow(
      /must be an https URL/,
    );
  });

  it('needs a callback URL, on the console callback path', () => {
    expect(() => resolveConsoleOidc(base, null)).toThrow(/set publicUrl/);
    expect(() => resolveConsoleOidc({ ...base, redirectUri: 'https://gw.example.com/cb' }, null)).toThrow(
      /must end in \/console\/oidc\/callback/,
    );
    expect(() => resolveConsoleOidc({ ...base, approverRole: '' }, 'https://gw.example.com')).toThrow(/approverRole/);
  });
});
