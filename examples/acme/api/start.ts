import { serve, type ServerType } from '@hono/node-server';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ACME_SCOPES, createAcmeApp, type ServiceToken } from './app.js';
import { SCHEMA, seed } from './seed.js';

export type AcmeTokens = Record<keyof typeof ACME_SCOPES, string>;

/** Makes a fresh set of service tokens (the demo prints none of them; tools get them from env). */
export function newAcmeTokens(): AcmeTokens {
  return Object.fromEntries(
    Object.keys(ACME_SCOPES).map((name) => [name, `acme_${name}_${randomBytes(12).toString('hex')}`]),
  ) as AcmeTokens;
}

/** Starts the Acme API on its own SQLite file, seeding it on first start. */
export async function startAcme(options: {
  dbPath: string;
  port?: number;
  tokens: AcmeTokens;
}): Promise<{ url: string; db: Database.Database; close: () => Promise<void> }> {
  const fresh = !existsSync(options.dbPath);
  mkdirSync(dirname(options.dbPath), { recursive: true });
  const db = new Database(options.dbPath);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  if (fresh) seed(db);
  const tokens: ServiceToken[] = Object.entries(options.tokens).map(([name, token]) => ({
    name,
    token,
    scopes: ACME_SCOPES[name as keyof typeof ACME_SCOPES],
  }));
  const app = createAcmeApp(db, tokens);
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          db.close();
          resolve();
        }),
      ),
  };
}
