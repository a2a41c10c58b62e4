/**
 * The demo IdP's two pages, plain HTML forms without scripts: sign in (username and password)
 * and consent (which client wants which scopes for which resource). Every value is escaped.
 */
const esc = (value: unknown) => String(value).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const frame = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · Acme IdP</title></head>
<body><h1>${esc(title)}</h1>${body}<p><small>Acme demo identity provider (oidc-provider)</small></p></body></html>`;

export function loginPage(uid: string, client: string, error?: string): string {
  return frame(
    'Sign in to Acme',
    `${error ? `<p id="error"><strong>${esc(error)}</strong></p>` : ''}
<p>${esc(client)} asks you to sign in.</p>
<form method="post" action="/interaction/${esc(uid)}/login">
<p><label>Username <input name="username" autocomplete="username" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p></form>`,
  );
}

export function consentPage(uid: string, client: string, scopes: readonly string[], resources: readonly string[]) {
  const list = scopes.map((s) => `<li><code>${esc(s)}</code></li>`).join('');
  return frame(
    'Allow access?',
    `<p><strong>${esc(client)}</strong> asks for:</p><ul>${list}</ul>
${resources.length ? `<p>for ${resources.map((r) => `<code>${esc(r)}</code>`).join(', ')}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${esc(uid)}/abort"><button type="submit">Deny</button></form>`,
  );
}
