import { createHash } from 'node:crypto';

/**
 * Browser-safety headers (issue #13, item 7). Every response gets `nosniff`; console pages also
 * get a Content-Security-Policy that allows no script at all and only the console's own inline
 * stylesheet (by hash), no framing (clickjacking on approve buttons), no caching of pages that
 * show drafts and audit events, and no referrer leaking draft ids to other sites.
 */
export function consoleHeaders(inlineStyle: string): Readonly<Record<string, string>> {
  const styleHash = createHash('sha256').update(inlineStyle).digest('base64');
  return {
    'content-security-policy': [
      "default-src 'none'",
      `style-src 'sha256-${styleHash}'`,
      "img-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on our own forms.
    'referrer-policy': 'same-origin',
  };
}
