import { newId } from '../../util/ids.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id when it is a sane token, else a fresh one (same rule as the Hono app). */
export function requestIdOf(given: string | readonly string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : newId('req');
}
