import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { jsonShowingInvisible, showInvisible } from '../guard/invisible.js';

/** The console's one page frame: plain server-rendered HTML, escaped by `html`, no scripts. */
export const CSS = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2433; background: #f6f7f9; }
  header { background: #1d2433; color: #fff; padding: .7rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; }
  header a { color: #cfe0ff; text-decoration: none; } header .who { margin-left: auto; opacity: .8; }
  main { max-width: 1100px; margin: 1.5rem auto; padding: 0 1.5rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; } th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
  th { background: #eef1f5; font-weight: 600; } code, pre { font: 13px ui-monospace, monospace; } pre { background: #fff; padding: .8rem; border: 1px solid #e3e6eb; overflow-x: auto; white-space: pre-wrap; }
  .card { background: #fff; border: 1px solid #e3e6eb; padding: 1rem 1.2rem; margin-bottom: 1rem; }
  .status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; background: #e3e6eb; font-size: 13px; }
  .status.verified, .status.ok { background: #d5f5e3; } .status.unverified, .status.failed, .status.error, .status.denied { background: #fde2e1; } .status.awaiting_approval { background: #fff3cd; }
  .flash { padding: .7rem 1rem; margin-bottom: 1rem; border: 1px solid; } .flash.ok { background: #eafaf1; border-color: #9fd8b8; } .flash.error { background: #fdecea; border-color: #f1aeb5; }
  form.inline { display: inline; } form.filters { display: grid; grid-template-columns: repeat(5, 1fr); gap: .6rem; align-items: end; } textarea, input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .4rem; font: inherit; }
  button { padding: .4rem 1rem; font: inherit; cursor: pointer; } button.approve { background: #1f7a4d; color: #fff; border: 0; } button.reject { background: #b42318; color: #fff; border: 0; }
`;

/**
 * The whole page, with each character in it that acts on the display (bidi controls, invisible
 * spacers, control codes; see `showInvisible`) shown as a visible `[U+202E]`. What a draft's
 * input, a reason or an audit event carries is escaped for HTML by `html`, but a U+202E in an
 * account id still reversed the text after it on the approval page. Once, here, so no template
 * can forget it; the marker is safe in any HTML context, attributes included.
 */
export async function page(
  title: string,
  body: HtmlEscapedString | Promise<HtmlEscapedString>,
  who?: string,
  csrf?: string,
): Promise<HtmlEscapedString> {
  return raw(showInvisible(String(await frame(title, body, who, csrf))));
}

function frame(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>, who?: string, csrf?: string) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Toolgate</title><style>${raw(CSS)}</style></head>
<body><header><strong>Toolgate console</strong>${who ? html`<a href="/console">Approvals</a><a href="/console/audit">Audit log</a><span class="who">${who}</span><form class="inline" method="post" action="/console/logout"><input type="hidden" name="csrf" value="${csrf ?? ''}"><button>Sign out</button></form>` : ''}</header>
<main><h1>${title}</h1>${body}</main></body></html>`;
}

export const statusBadge = (status: string) => html`<span class="status ${status}">${status.replace(/_/g, ' ')}</span>`;
/**
 * A value an approver reviews (a draft's input and preview) as JSON with every hidden character
 * escaped (`\u200d`), joiners included: in an id, unlike in prose, a joiner is never wanted, and
 * `acct_\u200d1234` read as `acct_1234` (the page's own `showInvisible` leaves joiners be).
 */
export const json = (value: unknown) => html`<pre>${jsonShowingInvisible(value, 2)}</pre>`;
