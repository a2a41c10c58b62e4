import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayFromConfig } from '../../src/config/gateway-from-config.js';
import type { Gateway } from '../../src/gateway/create-gateway.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { newAcmeTokens, startAcme, type AcmeTokens } from './api/start.js';
import { demoEnvironment } from './demo-env.js';
import { acmeConfig } from './toolgate.config.js';

/**
 * Acme plus a gateway over it, in one process, on throwaway files: for the compactness report,
 * `toolgate chat` and the tests. (`toolgate demo` runs Acme as its own process instead.)
 */
export async function startAcmeHarness(options: { storePath?: string } = {}): Promise<{
  gateway: Gateway;
  store: Store;
  acmeUrl: string;
  tokens: AcmeTokens;
  env: Record<string, string>;
  close: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-acme-'));
  const tokens = newAcmeTokens();
  const acme = await startAcme({ dbPath: join(dir, 'acme.db'), tokens });
  const env = demoEnvironment(acme.url, tokens);
  const config = acmeConfig(env);
  // A given store path (the running demo's database) puts these calls in the demo's audit log.
  const store = await openSqliteStore({ path: options.storePath ?? join(dir, 'toolgate.db') });
  const gateway = gatewayFromConfig(config, store);
  return {
    gateway,
    store,
    acmeUrl: acme.url,
    tokens,
    env,
    close: async () => {
      await store.close();
      await acme.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
