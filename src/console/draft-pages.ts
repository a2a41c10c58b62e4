import { html } from 'hono/html';
import type { AuditEvent } from '../audit/event.js';
import type { draftView } from '../actions/draft-view.js';
import { json, statusBadge } from './layout.js';

type DraftView = ReturnType<typeof draftView>;

export function loginForm(csrf: string, error?: string) {
  return html`${error ? html`<div class="flash error">${error}</div>` : ''}
  <div class="card"><p>Sign in with your <strong>approver</strong> credential. Model-client tokens cannot sign in here.</p>
  <form method="post" action="/console/login"><input type="hidden" name="csrf" value="${csrf}"><label>Approver token <input type="password" name="token" autocomplete="off" required></label><p><button>Sign in</button></p></form></div>`;
}

/** Issue #16: shown while the read-only switch is on; the approve and rollback forms are not offered. */
const readOnlyNotice = html`<div class="flash error">This gateway is read-only: write actions are switched off. Drafts can be rejected, not approved or rolled back.</div>`;

/** The hidden fields every decision form carries: the session's CSRF token and the draft hash shown. */
const decisionFields = (csrf: string, draftHash: string) =>
  html`<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="draft_hash" value="${draftHash}">`;

function rollbackForm(id: string, csrf: string, draftHash: string) {
  return html`<form method="post" action="/console/drafts/${id}/rollback" class="card">
  ${decisionFields(csrf, draftHash)}
  <label>Reason for rollback <textarea name="reason" rows="2" required></textarea></label>
  <p><button class="reject">Roll back</button></p></form>`;
}

/** Where an inbox page sits: its order, the cursor of the page after it, whether it is the first. */
export interface InboxPaging {
  readonly order: 'newest' | 'oldest';
  readonly nextCursor: string | null;
  readonly paged: boolean;
}

/**
 * Links between inbox pages (outside probe, 2026-12-07: past the newest 200 nothing could be
 * reached): the other order, back to the first page, and on to the next.
 */
function inboxNav(paging: InboxPaging) {
  const other = paging.order === 'oldest' ? 'newest' : 'oldest';
  const shown = paging.order === 'oldest' ? 'Waiting longest first.' : 'Newest first.';
  const next = paging.order === 'oldest' ? 'Newer drafts →' : 'Older drafts →';
  return html`<p class="pager">${shown} <a href="/console?order=${other}">Show ${other} first</a>${paging.paged ? html` · <a href="/console?order=${paging.order}">Back to the first page</a>` : ''}${paging.nextCursor ? html` · <a rel="next" href="/console?cursor=${paging.nextCursor}">${next}</a>` : ''}</p>`;
}

export function inbox(drafts: readonly DraftView[], readOnly = false, paging?: InboxPaging) {
  const notice = readOnly ? readOnlyNotice : '';
  const nav = paging ? inboxNav(paging) : '';
  if (drafts.length === 0)
    return html`${notice}<div class="card">No drafts are waiting for approval.</div>${paging?.paged ? nav : ''}`;
  return html`${notice}${nav}<table><thead><tr><th>Draft</th><th>Action</th><th>Preview</th><th>Risk</th><th>Reversible</th><th>Requested by</th><th>Expires</th></tr></thead><tbody>
  ${drafts.map((d) => html`<tr><td><a href="/console/drafts/${d.id}">${d.id}</a></td><td>${d.tool}</td><td>${previewLine(d.preview)}</td><td>${d.risk}</td><td>${d.reversible ? 'yes' : 'no'}</td><td>${d.requester} <small>via ${d.client}</small></td><td>${d.expires_at}</td></tr>`)}
  </tbody></table>${paging?.nextCursor ? nav : ''}`;
}

const previewLine = (preview: unknown) => {
  const p = preview as Record<string, unknown>;
  return typeof p.effect === 'string' ? p.effect : JSON.stringify(p).slice(0, 140);
};

export function draftDetail(
  d: DraftView,
  timeline: readonly AuditEvent[],
  csrf: string,
  flash?: { kind: 'ok' | 'error'; text: string },
  readOnly = false,
) {
  const decide = (
    verb: 'approve' | 'reject',
    label: string,
  ) => html`<form method="post" action="/console/drafts/${d.id}/${verb}" class="card">
    ${decisionFields(csrf, d.draft_hash)}
    <label>Reason (recorded) <textarea name="reason" rows="2" required minlength="3"></textarea></label>
    <p><button class="${verb}" name="decision" value="${verb}">${label}</button></p></form>`;
  return html`${flash ? html`<div class="flash ${flash.kind}">${flash.text}</div>` : ''}
  <div class="card"><p>${statusBadge(d.status)} <strong>${d.tool}</strong> · ${d.risk} risk · tenant ${d.tenant}</p>
  <p>Requested by <strong>${d.requester}</strong> via ${d.client} at ${d.created_at}; expires ${d.expires_at}.</p>
  <p>${d.reversible ? html`Reversible: ${d.rollback_description}` : html`<strong>No rollback:</strong> once executed this cannot be undone by Toolgate.`}</p>
  <h3>Preview</h3>${json(d.preview)}<h3>Input</h3>${json(d.input)}<p><small>Draft hash <code>${d.draft_hash}</code></small></p>
  ${d.verification ? html`<p>Verification: ${statusBadge(d.verification.ok ? 'verified' : 'unverified')} ${d.verification.detail}</p>` : ''}
  ${d.unresolved ? html`<div class="flash error">Outcome unknown: ${d.unresolved.reason}</div>` : ''}</div>
  ${d.status === 'unresolved' ? resolveForm(d.id, csrf, d.draft_hash, d.unresolved?.retrySafe === true) : ''}
  ${d.status === 'unverified' ? reverifyForm(d.id, csrf, d.draft_hash) : ''}
  ${readOnly ? readOnlyNotice : ''}
  ${d.status === 'awaiting_approval' ? html`${readOnly ? '' : decide('approve', 'Approve and execute')}${decide('reject', 'Reject')}` : ''}
  ${!readOnly && d.reversible && ['executed', 'verified', 'unverified'].includes(d.status) ? rollbackForm(d.id, csrf, d.draft_hash) : ''}
  <h2>Timeline</h2><table><thead><tr><th>#</th><th>Time</th><th>Event</th><th>By</th><th>Outcome</th><th>Reason</th></tr></thead><tbody>
  ${timeline.map((e) => html`<tr><td><a href="/console/audit/${e.id}">${e.seq}</a></td><td>${e.time}</td><td>${e.kind}</td><td>${e.actor}</td><td>${statusBadge(e.outcome)}</td><td>${e.reason}</td></tr>`)}
  </tbody></table>`;
}

/** An unverified draft: run verify again (its first answer may have been that it could not check). */
function reverifyForm(id: string, csrf: string, draftHash: string) {
  return html`<form method="post" action="/console/drafts/${id}/reverify" class="card">
  ${decisionFields(csrf, draftHash)}
  <p>Verify did not confirm the final state. Verify again, once the internal system answers; nothing is written.</p>
  <label>Reason <textarea name="reason" rows="2" required></textarea></label>
  <p><button class="approve">Verify again</button></p></form>`;
}

/** An unresolved draft (outcome unknown): retry with the same idempotency key, or close it. */
function resolveForm(id: string, csrf: string, draftHash: string, retrySafe: boolean) {
  const advice = retrySafe
    ? 'Verify found no write: retrying reuses the same idempotency key, so the internal API cannot act twice.'
    : 'Verify could not tell whether the write happened: check the internal system before retrying.';
  return html`<div class="card"><p>${advice} Retry checks verify again first.</p>
  <form method="post" action="/console/drafts/${id}/retry">${decisionFields(csrf, draftHash)}
  <label>Reason <textarea name="reason" rows="2" required></textarea></label>
  <p><button class="approve">Retry</button></p></form>
  <form method="post" action="/console/drafts/${id}/close">${decisionFields(csrf, draftHash)}
  <label>Reason <textarea name="reason" rows="2" required></textarea></label>
  <p><button class="reject">Close as failed</button></p></form></div>`;
}
