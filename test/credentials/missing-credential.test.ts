import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { envCredentials } from '../../src/credentials/provider.js';
import { agent, fixtureTools } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * A tool whose credential has no value answers every call `upstream_unavailable`. Before, only
 * the audit row said why, and it named the credential, not the variable to set (an outside probe
 * of the installed package; serve's warning is in test/cli/serve-startup-lines.test.ts).
 */
let t: Awaited<ReturnType<typeof tempSqliteStore>>;
beforeEach(async () => void (t = await tempSqliteStore()));
afterEach(async () => t.cleanup());

const fromEnv = (env: NodeJS.ProcessEnv) => envCredentials({ billing_read: 'ACME_BILLING_READ_TOKEN' }, env);

describe('a credential with no value in this environment', () => {
  it('is named in the audit with the variable to set', async () => {
    const gateway = createGateway({ tools: fixtureTools, store: t.store, credentials: fromEnv({}) });
    const result = await gateway.call({
      tool: 'get_customer_summary',
      args: { customer_id: 'cus_1' },
      principal: agent,
      client: 'support_app',
      surface: 'internal',
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'upstream_unavailable' } });
    const [event] = await t.store.audit.query({ tool: 'get_customer_summary' });
    expect(event?.reason).toContain(
      'credential "billing_read" has no value in this environment (set ACME_BILLING_READ_TOKEN)',
    );
  });
});
