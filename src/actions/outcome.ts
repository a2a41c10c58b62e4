import { ToolgateError } from '../errors/toolgate-error.js';

/**
 * Did a failed `execute` provably leave the internal system untouched? Only then may a draft be
 * marked `failed`. A timeout, a reset connection or a 5xx may come after the upstream committed
 * the write (issue #13: a refund answered after 35 s was marked failed, inviting a second one),
 * so anything not listed here counts as "the outcome is unknown" and goes to reconciliation.
 */
const ANSWERED_NO = new Set([
  'invalid_input',
  'not_found',
  'conflict',
  'forbidden',
  'tenant_mismatch',
  'egress_denied',
]);
/** Errors raised before a single byte reached the upstream. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_INVALID_URL', 'EHOSTUNREACH']);

export function provablyNotApplied(error: unknown): boolean {
  if (error instanceof ToolgateError) return ANSWERED_NO.has(error.code);
  for (let cause: unknown = error, depth = 0; cause && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && NEVER_SENT.has(code)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
