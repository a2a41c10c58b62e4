/**
 * Runs the Acme internal API as its own process: `tsx examples/acme/api/main.ts`.
 * Tokens come from ACME_TOKEN_<NAME> (the demo launcher sets them); the port from ACME_PORT.
 */
import { ACME_SCOPES } from './app.js';
import { startAcme, type AcmeTokens } from './start.js';

const tokens = Object.fromEntries(
  Object.keys(ACME_SCOPES).map((name) => [name, process.env[`ACME_TOKEN_${name.toUpperCase()}`] ?? '']),
) as AcmeTokens;
const missing = Object.entries(tokens)
  .filter(([, v]) => !v)
  .map(([k]) => `ACME_TOKEN_${k.toUpperCase()}`);
if (missing.length) {
  process.stderr.write(`Set ${missing.join(', ')} (the demo launcher does this for you).\n`);
  process.exit(2);
}
const acme = await startAcme({
  dbPath: process.env.ACME_DB ?? '.toolgate/acme.db',
  port: Number(process.env.ACME_PORT ?? 0),
  tokens,
});
process.stdout.write(`acme listening ${acme.url}\n`);
const stop = () => void acme.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
