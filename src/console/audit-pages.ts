import { html } from 'hono/html';
import type { AuditEvent, AuditFilter, VerifyReport } from '../audit/event.js';
import { json, statusBadge } from './layout.js';

export function auditList(events: readonly AuditEvent[], filter: AuditFilter, csrf: string, report?: VerifyReport) {
  const field = (name: 'actor' | 'tool', label: string) =>
    html`<label>${label} <input type="text" name="${name}" value="${filter[name] ?? ''}"></label>`;
  return html`${report ? verifyResult(report) : ''}
  <form method="post" action="/console/audit/verify" class="card"><input type="hidden" name="csrf" value="${csrf}"><button>Verify chain</button> <small>Recomputes every hash and names the first changed, deleted or reordered event.</small></form>
  <form method="get" action="/console/audit" class="card filters">
    ${field('actor', 'Actor')}${field('tool', 'Tool')}<span><small>Tenant: yours only</small></span>
    <label>Outcome <select name="outcome"><option value="">any</option>${(['ok', 'denied', 'error'] as const).map((o) => html`<option ${filter.outcome === o ? 'selected' : ''}>${o}</option>`)}</select></label>
    <button>Filter</button></form>
  <table><thead><tr><th>#</th><th>Time</th><th>Kind</th><th>Actor</th><th>Tenant</th><th>Tool</th><th>Outcome</th><th>Bytes</th><th>ms</th></tr></thead><tbody>
  ${events.map((e) => html`<tr><td><a href="/console/audit/${e.id}">${e.seq}</a></td><td>${e.time}</td><td>${e.kind}</td><td>${e.actor}</td><td>${e.tenant ?? ''}</td><td>${e.tool}</td><td>${statusBadge(e.outcome)}${e.errorCode ? html` <code>${e.errorCode}</code>` : ''}</td><td>${e.resultBytes}</td><td>${e.latencyMs}</td></tr>`)}
  </tbody></table>`;
}

export function verifyResult(report: VerifyReport) {
  return report.ok
    ? html`<div class="flash ok" id="verify-result">Chain intact: ${report.count} events. Anchor (keep it off this machine; <code>toolgate audit verify --anchor</code> checks the log still holds it): <code id="anchor">${report.headSeq}:${report.headHash}</code></div>`
    : html`<div class="flash error" id="verify-result">Tampered at event ${report.firstBadSeq}: ${report.message}</div>`;
}

export const auditEvent = (e: AuditEvent) =>
  html`<div class="card"><p>${statusBadge(e.outcome)} <strong>${e.kind}</strong> · ${e.tool} · decision ${e.decision}</p>${json(e)}</div>`;
