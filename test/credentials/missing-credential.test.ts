import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { missingCredentials } from '../../src/cli/serve.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { envCredentials } from '../../src/credentials/provider.js';
import { agent, fixtureTools, getCustomerSummary } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * A tool whose credential has no value answers every call `upstream_unavailable`. Before, only
 * the audit row said why, and it named the credential, not the variable to set; `serve` started
 * without a word (an outside probe of the installed package).
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

  it('is a warning when serve starts, naming the variable and the tools that will fail', () => {
    const config = { tools: fixtureTools, credentials: fromEnv({}) };
    const users = fixtureTools.filter((tool) => tool.credentials?.includes('billing_read')).map((tool) => tool.name);
    expect(users).toContain(getCustomerSummary.name);
    expect(missingCredentials(config)).toEqual([
      `credential billing_read has no value in this environment (set ACME_BILLING_READ_TOKEN); ${users.join(', ')} will answer upstream_unavailable.`,
    ]);
    expect(
      missingCredentials({ ...config, credentials: fromEnv({ ACME_BILLING_READ_TOKEN: 'x'.repeat(20) }) }),
    ).toEqual([]);
  });
});
