import { describe, expect, it } from 'vitest';
import { missingCredentials } from '../../src/cli/serve.js';
import { startServer } from '../../src/server/start-server.js';
import { describeDatabase } from '../../src/store/open-store.js';
import { capturedLogger } from '../helpers/captured-logger.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { envCredentials } from '../../src/credentials/provider.js';
import { fixtureTools, getCustomerSummary } from '../helpers/fixture-tools.js';

/** What `serve` says as it starts (an outside probe found it silent on both). */
const fromEnv = (env: NodeJS.ProcessEnv) => envCredentials({ billing_read: 'ACME_BILLING_READ_TOKEN' }, env);

describe('a credential with no value when serve starts', () => {
  it('is a warning when serve starts, naming the variable and the tools that will fail', () => {
    const config = { tools: fixtureTools, credentials: fromEnv({}) };
    const users = fixtureTools.filter((tool) => tool.credentials?.includes('billing_read')).map((tool) => tool.name);
    expect(users).toContain(getCustomerSummary.name);
    expect(missingCredentials(config)).toEqual([
      `credential billing_read has no value in this environment (set ACME_BILLING_READ_TOKEN); ${users.join(', ')} will fail with upstream_unavailable where ${users.length > 1 ? 'they use' : 'it uses'} it.`,
    ]);
    expect(
      missingCredentials({ ...config, credentials: fromEnv({ ACME_BILLING_READ_TOKEN: 'x'.repeat(20) }) }),
    ).toEqual([]);
  });
});

describe('the database serve names when it starts', () => {
  it('is a relative path resolved, and a PostgreSQL URL without its password', () => {
    expect(describeDatabase('.toolgate/toolgate.db')).toBe(`${process.cwd()}/.toolgate/toolgate.db`);
    expect(describeDatabase('postgres://toolgate:s3cret-pw@db.internal:5432/toolgate')).toBe(
      'postgres://toolgate@db.internal:5432/toolgate',
    );
    expect(describeDatabase('postgresql://%zz:pw@/x')).not.toContain('pw');
    // pg takes the password from the query too.
    for (const url of [
      'postgres://app@db/tg?password=s3cret-pw',
      'postgresql://app:s3cret-pw@db/tg?sslpassword=s3cret-pw&sslmode=require#s3cret-pw',
    ])
      expect(describeDatabase(url)).toBe(`${url.split(':')[0]}://app@db/tg`);
  });
});

describe('the JSON log line a server writes when it listens', () => {
  it('names a PostgreSQL database without its password (these lines are shipped off the machine)', async () => {
    // Before: `"database":"postgres://toolgate:s3cret-pw@…"` in clear on every start (outside probe).
    const { logger, lines } = capturedLogger('info');
    const { store, cleanup } = await tempSqliteStore(); // the server logs the setting, whatever store it is handed
    const env = { PORT: '0', TOOLGATE_DATABASE_URL: 'postgres://toolgate:s3cret-pw@db.internal/tg?password=s3cret-pw' };
    const server = await startServer({ tools: [] }, env, logger, store);
    await server.close();
    await cleanup();
    const listening = lines().find((l) => l.msg === 'toolgate listening');
    expect(listening).toMatchObject({ database: 'postgres://toolgate@db.internal/tg' });
    expect(JSON.stringify(lines())).not.toContain('s3cret-pw');
  });
});

describe('an OAuth audience of its own without a required typ', () => {
  // RFC 9068 §4; outside probe: an ID token issued to the audience (an app's client id) passes.
  const auth = (jwt: object) => ({ resource: 'http://127.0.0.1:1/mcp', jwt: { issuer: 'http://127.0.0.1:2', ...jwt } });
  const warned = async (jwt: object) => {
    const { logger, lines } = capturedLogger('info');
    const { store, cleanup } = await tempSqliteStore();
    const server = await startServer({ tools: [], auth: auth(jwt) }, { PORT: '0' }, logger, store);
    await server.close();
    await cleanup();
    return lines().filter((l) => l.level === 40 && l.msg.startsWith('auth.jwt.audience is set'));
  };

  it('is a warning when serve starts, naming the audience and the setting', async () => {
    const [line] = await warned({ audience: 'api://0000-1111' });
    expect(line).toMatchObject({ audience: ['api://0000-1111'] });
    expect(line!.msg).toContain("set auth.jwt.typ to 'at+jwt'");
  });

  it('is not said with typ set, or with the default audience (the resource URL)', async () => {
    expect(await warned({ audience: 'api://0000-1111', typ: 'at+jwt' })).toEqual([]);
    expect(await warned({})).toEqual([]);
    // Set to the resource URL itself (Auth0's API identifier often is): an ID token never has that aud.
    expect(await warned({ audience: 'http://127.0.0.1:1/mcp' })).toEqual([]);
  });
});

describe('a short TOOLGATE_AUDIT_KEY', () => {
  // Outside probe: a one-character key was taken without a word.
  const warned = async (key: string) => {
    const { logger, lines } = capturedLogger('info');
    const { store, cleanup } = await tempSqliteStore();
    const server = await startServer({ tools: [] }, { PORT: '0', TOOLGATE_AUDIT_KEY: key }, logger, store);
    await server.close();
    await cleanup();
    return lines().filter((l) => l.level === 40 && l.msg.startsWith('TOOLGATE_AUDIT_KEY is shorter'));
  };

  it('is a warning when serve starts, with how to make a good one; a 32-byte key is not', async () => {
    const [line] = await warned('x');
    expect(line).toMatchObject({ bytes: 1 });
    expect(line!.msg).toContain('openssl rand -hex 32');
    expect(await warned('k'.repeat(32))).toEqual([]);
  });
});
