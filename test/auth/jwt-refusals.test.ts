import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticator.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import { authDeniedEvent } from '../../src/server/auth-audit.js';
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

  it('a refused token whose signature checked out names its subject for the audit; a forged one names no one', async () => {
    test.idp.keys = [test.k1.publicJwk];
    const auth = createAuthenticator({
      staticTokens: [],
      auth: { resource: AUDIENCE, jwt: test.idp.jwtConfig() },
    });
    const signed = (claims: Record<string, unknown>, key = test.k1, expires: string | number = '1h') =>
      new SignJWT({ sub: 'alice', azp: 'claude', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: test.k1.kid })
        .setIssuer(test.idp.issuer)
        .setAudience(AUDIENCE)
        .setExpirationTime(expires)
        .sign(key.privateKey);
    const refusal = async (token: string) => {
      const outcome = await auth.authenticate({
        headers: new Headers({ authorization: `Bearer ${token}` }),
        url: AUDIENCE,
      });
      if (outcome.ok) throw new Error('admitted');
      return outcome;
    };
    const alice = { subject: 'alice', issuer: test.idp.issuer, clientId: 'claude' };
    // Expired: jose checks claims after the signature, so these are the issuer's words.
    expect(await refusal(await signed({ tenant: 'acme' }, test.k1, Math.floor(Date.now() / 1000) - 600))).toMatchObject(
      {
        reason: 'jwt expired (exp)',
        identity: alice,
      },
    );
    // No tenant claim: the signature is good, the mapping refuses.
    expect(await refusal(await signed({}))).toMatchObject({
      reason: expect.stringMatching(/no "tenant" claim/),
      identity: alice,
    });
    // Signed with a key the issuer never published (under its kid): nothing it says is believed.
    const forged = await refusal(await signed({ tenant: 'acme' }, test.k2));
    expect(forged.reason).toBe('jwt signature invalid');
    expect(forged.identity).toBeUndefined();
    // The audit event carries the names (the actor stays the address).
    const event = authDeniedEvent(await refusal(await signed({})), {
      surface: 'mcp_http',
      requestId: null,
      address: '127.0.0.1',
    });
    expect(event).toMatchObject({ actor: 'address:127.0.0.1', subject: 'alice', clientId: 'claude' });
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
