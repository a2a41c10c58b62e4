import { randomBytes } from 'node:crypto';
import type { AcmeTokens } from './api/start.js';
import { ACME_CREDENTIALS } from './tools/acme-client.js';

/**
 * The environment the Acme toolset config reads, made fresh for each demo run: Acme's service
 * tokens, where Acme listens, and the gateway's demo bearer tokens. Nothing here is committed.
 */
export function demoEnvironment(acmeUrl: string, tokens: AcmeTokens): Record<string, string> {
  const env: Record<string, string> = { ACME_URL: acmeUrl };
  for (const [credential, variable] of Object.entries(ACME_CREDENTIALS)) {
    env[variable] = tokens[credential.replace(/^acme_/, '') as keyof AcmeTokens];
  }
  env.TOOLGATE_DEMO_AGENT_TOKEN = `tg_agent_${randomBytes(16).toString('hex')}`;
  env.TOOLGATE_DEMO_APPROVER_TOKEN = `tg_approver_${randomBytes(16).toString('hex')}`;
  return env;
}
