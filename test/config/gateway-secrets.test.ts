import { expect, it } from 'vitest';
import { gatewayFromConfig } from '../../src/config/gateway-from-config.js';
import { fixtureTools } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

it('masks the gateway’s own tokens and keys, whichever command builds it', async () => {
  // `stdio` and `approvals` built their gateways without the audit and cursor keys: a handler that
  // echoed one sent it to the model and into the audit row in clear (outside probe, 2026-12-07).
  const { store, cleanup } = await tempSqliteStore();
  const secrets = {
    token: 'static-token-0123456789abcdef',
    auditKey: 'audit-key-0123456789abcdef',
    cursorKey: 'cursor-key-0123456789abcdef',
    introspection: 'introspection-secret-0123456789',
    console: 'console-oidc-secret-0123456789',
  };
  const gateway = gatewayFromConfig(
    {
      tools: fixtureTools,
      server: {
        tokens: [
          {
            token: secrets.token,
            client: 'app',
            principal: { actorId: 'usr_a', tenant: 'acme', roles: [], scopes: [] },
          },
        ],
      },
      auth: {
        resource: 'https://tg.example/mcp',
        introspection: {
          endpoint: 'https://idp.example/introspect',
          clientId: 'tg',
          clientSecret: secrets.introspection,
        },
      },
      console: {
        oidc: {
          issuer: 'https://idp.example',
          clientId: 'console',
          clientSecret: secrets.console,
          approverRole: 'approver',
        },
      },
    } as Parameters<typeof gatewayFromConfig>[0],
    store,
    { auditKey: secrets.auditKey, cursorKey: secrets.cursorKey },
  );
  for (const [name, secret] of Object.entries(secrets))
    expect(gateway.runtime.maskSecrets(`echo ${secret} back`).text, name).toBe('echo [REDACTED:credential] back');
  await cleanup();
});
