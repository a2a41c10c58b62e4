import { notFound, ToolgateError, upstreamUnavailable } from '../../../src/errors/toolgate-error.js';

/** Credential names (Toolgate side) and the env variables holding Acme's service tokens. */
export const ACME_CREDENTIALS = {
  acme_billing_read: 'ACME_TOKEN_BILLING_READ',
  acme_tickets_read: 'ACME_TOKEN_TICKETS_READ',
  acme_incidents_read: 'ACME_TOKEN_INCIDENTS_READ',
  acme_refunds_write: 'ACME_TOKEN_REFUNDS_WRITE',
  acme_notes_write: 'ACME_TOKEN_NOTES_WRITE',
} as const;

export type AcmeCredential = keyof typeof ACME_CREDENTIALS;

interface Ctx {
  credential(name: string): string;
  /** The gateway's fetch: only the hosts `egress` lists for the tool's credentials, bound to the deadline. */
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

/**
 * The hosts each Acme credential may reach (`egress` in the config): the one Acme API. The demo
 * runs it on loopback, which the egress guard refuses unless the address itself is listed, so a
 * `localhost` URL also lists the loopback addresses it resolves to.
 */
export function acmeEgress(acmeUrl: string): Record<AcmeCredential, string[]> {
  const url = new URL(acmeUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const hosts = [`${url.hostname}:${port}`];
  if (url.hostname === 'localhost') hosts.push(`127.0.0.1:${port}`, `[::1]:${port}`);
  const entries = {} as Record<AcmeCredential, string[]>;
  for (const credential of Object.keys(ACME_CREDENTIALS) as AcmeCredential[]) entries[credential] = hosts;
  return entries;
}

/** One call to the Acme API with one named credential, through `ctx.fetch`; failures become typed errors. */
export async function acme<T>(
  base: string,
  ctx: Ctx,
  credential: AcmeCredential,
  path: string,
  init: RequestInit = {},
): Promise<T | null> {
  let res: Response;
  try {
    res = await ctx.fetch(`${base}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...init.headers,
        authorization: `Bearer ${ctx.credential(credential)}`,
      },
    });
  } catch (error) {
    // egress_denied and timeout are already typed; only network failures are Acme being unavailable.
    if (error instanceof ToolgateError) throw error;
    throw upstreamUnavailable('The Acme API', (error as Error).message);
  }
  if (res.status === 404) return null;
  if (!res.ok) throw upstreamUnavailable('The Acme API', `${init.method ?? 'GET'} ${path} answered ${res.status}`);
  return (await res.json()) as T;
}

export async function acmeOrNotFound<T>(
  base: string,
  ctx: Ctx,
  credential: AcmeCredential,
  path: string,
  what: string,
): Promise<T> {
  const found = await acme<T>(base, ctx, credential, path);
  if (found === null) throw notFound(what);
  return found;
}
