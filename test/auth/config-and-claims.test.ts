import { describe, expect, it } from 'vitest';
import { checkedAlgorithms } from '../../src/auth/auth-config.js';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { bearerChallenge } from '../../src/auth/challenge.js';
import { claimAt, principalFromClaims } from '../../src/auth/claims.js';
import { staticTokenAuthenticator } from '../../src/auth/static-tokens.js';
import { canonicalResource, metadataUrlFor } from '../../src/auth/protected-resource.js';

/** Issue #12: the auth block fails at startup with what to change; claims map as configured. */
describe('auth config', () => {
  it('refuses none and HMAC algorithms, and an empty list', () => {
    expect(checkedAlgorithms(undefined)).toContain('ES256');
    expect(() => checkedAlgorithms(['RS256', 'HS256'])).toThrow(/remove HS256/);
    expect(() => checkedAlgorithms(['none'])).toThrow(/remove none/);
    expect(() => checkedAlgorithms([])).toThrow(/empty list/);
  });

  it('needs a resource URL without a fragment, and an issuer', () => {
    const jwt = { issuer: 'https://idp.example.com' };
    expect(() => createAuthenticator({ staticTokens: [], auth: { jwt } })).toThrow(/auth.resource .* or publicUrl/);
    expect(() => createAuthenticator({ staticTokens: [], auth: { resource: 'https://gw/mcp#x', jwt } })).toThrow(
      /fragment/,
    );
    expect(() => createAuthenticator({ staticTokens: [], auth: { resource: 'https://gw/mcp' } })).toThrow(
      /auth.jwt .* or auth.introspection/,
    );
    const auth = createAuthenticator({ staticTokens: [], auth: { jwt }, publicUrl: 'https://gw.example.com/' });
    expect(auth.resourceServer?.resource).toBe('https://gw.example.com/mcp');
  });

  // MCP authorization, "Communication Security": authorization server endpoints MUST be HTTPS.
  // Outside probe: plain http off loopback started and served (anyone on the path could swap the keys).
  it.each([
    ['auth.resource', { resource: 'http://toolgate.example.com/mcp', jwt: { issuer: 'https://idp.example.com' } }],
    ['auth.jwt.issuer', { resource: 'https://gw/mcp', jwt: { issuer: 'http://192.0.2.2:8080' } }],
    [
      'auth.jwt.jwksUri',
      {
        resource: 'https://gw/mcp',
        jwt: { issuer: 'https://idp.example.com', jwksUri: 'http://idp.example.com/jwks' },
      },
    ],
    [
      'auth.introspection.endpoint',
      {
        resource: 'https://gw/mcp',
        introspection: {
          issuer: 'https://idp.example.com',
          endpoint: 'http://10.0.0.5/introspect',
          clientId: 'gw',
          clientSecret: 's',
        },
      },
    ],
    [
      'auth.introspection.issuer',
      {
        resource: 'https://gw/mcp',
        introspection: {
          issuer: 'http://idp.example.com',
          endpoint: 'https://idp.example.com/introspect',
          clientId: 'gw',
          clientSecret: 's',
        },
      },
    ],
    [
      'auth.authorizationServers[1]',
      {
        resource: 'https://gw/mcp',
        jwt: { issuer: 'https://idp.example.com' },
        authorizationServers: ['https://idp.example.com', 'http://as.example.com'],
      },
    ],
  ])('refuses plain http off loopback in %s', (setting, auth) => {
    expect(() => createAuthenticator({ staticTokens: [], auth: auth as never })).toThrow(
      new RegExp(
        `^${setting.replace(/[.[\]]/g, '\\$&')} ".*" must be an https URL \\(plain http only on loopback|^auth.resource .* must be an https URL`,
      ),
    );
  });

  it('allows plain http on loopback (development), 127.0.0.0/8 and ::1 included', () => {
    for (const host of ['localhost', '127.0.0.2', '[::1]']) {
      const auth = createAuthenticator({
        staticTokens: [],
        auth: {
          resource: `http://${host}:8080/mcp`,
          jwt: { issuer: `http://${host}:9000`, jwksUri: `http://${host}:9000/jwks` },
        },
      });
      expect(auth.resourceServer?.resource).toBe(`http://${host}:8080/mcp`);
    }
  });

  it('builds RFC 9728 well-known URLs and canonical resources', () => {
    expect(metadataUrlFor('https://gw.example.com/mcp')).toBe(
      'https://gw.example.com/.well-known/oauth-protected-resource/mcp',
    );
    expect(metadataUrlFor('https://gw.example.com')).toBe(
      'https://gw.example.com/.well-known/oauth-protected-resource',
    );
    expect(canonicalResource('HTTPS://GW.example.com/')).toBe('https://gw.example.com');
    expect(canonicalResource('https://gw.example.com/mcp/')).toBe('https://gw.example.com/mcp');
  });

  it('keeps challenge parameters inside the RFC 6750 character set', () => {
    expect(bearerChallenge({ error: 'invalid_token', description: 'say "hi"\\\n' })).toBe(
      `Bearer realm="toolgate", error="invalid_token", error_description="say 'hi'??"`,
    );
  });
});

describe('claims → principal', () => {
  const defaults = { issuer: 'https://idp' };
  it('reads sub, azp, tenant, roles and the scope string (RFC 9068)', () => {
    expect(
      principalFromClaims(
        { sub: 'u1', azp: 'claude', tenant: 'acme', roles: ['support'], scope: 'a b', iss: 'https://idp' },
        undefined,
        defaults,
      ),
    ).toEqual({
      ok: true,
      principal: {
        actorId: 'u1',
        subject: 'u1',
        issuer: 'https://idp',
        clientId: 'claude',
        tenant: 'acme',
        roles: ['support'],
        scopes: ['a', 'b'],
      },
    });
  });

  it("refuses a subject that is one of the gateway's own actor names, not the system: prefix", () => {
    for (const sub of ['system:auto-approve', 'system:executor', 'system:reconciler']) {
      expect(principalFromClaims({ sub, tenant: 'acme' }, undefined, defaults)).toEqual({
        ok: false,
        reason: `the "sub" claim "${sub}" is a name the gateway records its own acts under`,
      });
    }
    // A Kubernetes service account's subject is a caller like any other.
    expect(
      principalFromClaims({ sub: 'system:serviceaccount:ops:bot', tenant: 'acme' }, undefined, defaults),
    ).toMatchObject({
      ok: true,
    });
    expect(() =>
      staticTokenAuthenticator([
        {
          token: 'x'.repeat(32),
          principal: { actorId: 'system:verifier', tenant: 'acme', roles: [], scopes: [] },
          client: 'c',
        },
      ]),
    ).toThrow(/system:verifier is a name the gateway records its own acts under/);
  });

  it('follows configured names: scp arrays, nested Keycloak roles, Okta cid, a default tenant', () => {
    const mapped = principalFromClaims(
      { oid: 'o-9', cid: 'okta-app', realm_access: { roles: ['approver'] }, scp: ['x', 'y'] },
      { subject: 'oid', clientId: 'cid', roles: 'realm_access.roles', scopes: 'scp' },
      { ...defaults, defaultTenant: 'acme' },
    );
    expect(mapped).toMatchObject({
      ok: true,
      principal: { actorId: 'o-9', clientId: 'okta-app', roles: ['approver'], scopes: ['x', 'y'], tenant: 'acme' },
    });
  });

  it('reads namespaced claim names with dots whole (Auth0), and nesting below them', () => {
    const mapped = principalFromClaims(
      {
        sub: 'auth0|7',
        'https://toolgate.example.com/roles': ['approver'],
        'https://toolgate.example.com/org': { tenant: 'acme' },
      },
      { roles: 'https://toolgate.example.com/roles', tenant: 'https://toolgate.example.com/org.tenant' },
      defaults,
    );
    expect(mapped).toMatchObject({ ok: true, principal: { actorId: 'auth0|7', roles: ['approver'], tenant: 'acme' } });
  });

  it('claimAt: longest existing key first, then shorter; own properties only', () => {
    const claims = { 'a.b': { other: 1 }, a: { b: { c: 'nested' } }, 'x.y': 'whole', x: { y: 'split' } };
    expect(claimAt(claims, 'a.b.c')).toBe('nested'); // "a.b" exists but has no "c": falls back
    expect(claimAt(claims, 'x.y')).toBe('whole');
    expect(claimAt(claims, 'a.missing')).toBeUndefined();
    expect(claimAt({ s: 'text' }, 's.length')).toBeUndefined();
    for (const path of ['constructor', '__proto__', 'toString', 'a.constructor'])
      expect(claimAt(claims, path)).toBeUndefined();
  });

  it('refuses a tenant claim that is there but not one name, even with a default tenant (it got the default)', () => {
    const withDefault = { ...defaults, defaultTenant: 'alpha' };
    for (const [tenant, shape] of [
      [['beta'], 'a list'],
      [7, 'a number'],
      ['', 'empty'],
      [{ id: 'beta' }, 'an object'],
      [true, 'a boolean'],
    ] as const) {
      expect(principalFromClaims({ sub: 'u', tenant }, undefined, withDefault)).toEqual({
        ok: false,
        reason: `the "tenant" claim is ${shape}, not one tenant name (a multivalued IdP mapper makes a list)`,
      });
    }
    // Absent or null (an IdP's unset attribute): the default tenant, as documented.
    expect(principalFromClaims({ sub: 'u' }, undefined, withDefault)).toMatchObject({ principal: { tenant: 'alpha' } });
    expect(principalFromClaims({ sub: 'u', tenant: null }, undefined, withDefault)).toMatchObject({
      principal: { tenant: 'alpha' },
    });
    expect(principalFromClaims({ sub: 'u', tenant: 'beta' }, undefined, withDefault)).toMatchObject({
      principal: { tenant: 'beta' },
    });
  });

  it('refuses a token without subject or tenant, saying which claim is missing', () => {
    expect(principalFromClaims({ tenant: 'acme' }, undefined, defaults)).toEqual({
      ok: false,
      reason: 'the token has no "sub" claim',
    });
    expect(principalFromClaims({ sub: 'u' }, undefined, defaults)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no "tenant" claim and auth.defaultTenant is not set/),
    });
  });
});
