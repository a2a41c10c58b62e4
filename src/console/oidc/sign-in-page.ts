import { html } from 'hono/html';
import { loginForm } from '../draft-pages.js';

/**
 * The console's sign-in page: the IdP link when OIDC is configured, the approver-token form when
 * token sign-in is on (development). The IdP sign-in is a plain link, not a form: the console's
 * CSP allows forms to post to itself only, and browsers apply `form-action` to redirects too.
 */
export function signInPage(
  csrf: string,
  options: { readonly oidcLabel: string | null; readonly tokenSignIn: boolean },
  error?: string,
) {
  const flash = error ? html`<div class="flash error">${error}</div>` : '';
  const idp = options.oidcLabel
    ? html`<div class="card"><p>Approvers sign in with their company account.</p>
  <p><a id="oidc-sign-in" href="/console/oidc/start"><strong>${options.oidcLabel} →</strong></a></p></div>`
    : '';
  const token = options.tokenSignIn ? loginForm(csrf) : '';
  const none =
    !options.oidcLabel && !options.tokenSignIn
      ? html`<div class="card">No sign-in method is configured: set console.oidc or turn token sign-in on.</div>`
      : '';
  return html`${flash}${idp}${token}${none}`;
}
