import { notFound, upstreamUnavailable } from '../../../src/errors/toolgate-error.js';

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
  readonly signal: AbortSignal;
}

/** One call to the Acme API with one named credential; failures become typed errors. */
export async function acme<T>(
  base: string,
  ctx: Ctx,
  credential: AcmeCredential,
  path: string,
  init: RequestInit = {},
): Promise<T | null> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      ...init,
      signal: ctx.signal,
      headers: {
        'content-type': 'application/json',
        ...init.headers,
        authorization: `Bearer ${ctx.credential(credential)}`,
      },
    });
  } catch (error) {
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
