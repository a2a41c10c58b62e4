import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import { useTestIdp } from './test-idp.js';

/** What a refused token and a half-configured auth block are told: the actual reason. */
const test = useTestIdp();
const AUDIENCE = 'https://gateway.example/mcp';

describe('saying why', () => {
  it('a token of the wrong JOSE type is told so, not that a claim is missing', async () => {
    test.idp.keys = [test.k1.publicJwk];
    const verify = createJwtVerifier(test.idp.jwtConfig({ typ: 'at+jwt' }), [AUDIENCE]);
    const token = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256', kid: test.k1.kid, typ: 'JWT' })
      .setIssuer(test.idp.issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(test.k1.privateKey);
    expect(await verify(token)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('jwt type not accepted (typ)'),
      description: 'The access token is not of a type this server accepts.',
    });
  });

  it('introspection without an issuer is told to set one; authorizationServers alone does not do', () => {
    const introspection = { endpoint: 'https://as.example.com/introspect', clientId: 'gw', clientSecret: 's' };
    // Before, the message suggested auth.authorizationServers, which then failed the same way.
    expect(() =>
      createAuthenticator({
        staticTokens: [],
        auth: {
          resource: 'https://gw.example.com/mcp',
          introspection,
          authorizationServers: ['https://as.example.com'],
        },
      }),
    ).toThrow('Set auth.jwt.issuer or auth.introspection.issuer: the audit names who issued each token.');
  });
});
