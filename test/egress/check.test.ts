import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatReport, runCheck } from '../../src/check/run-check.js';
import { defineTool } from '../../src/contract/define-tool.js';
import { ERROR_CODES } from '../../src/errors/codes.js';

const tool = defineTool({
  name: 'get_invoice_summary',
  description: "Return the status, amount and due date of one invoice of the caller's tenant.",
  input: z.object({ invoice_id: z.string().describe('Invoice id, inv_…') }),
  output: z.object({ status: z.string(), source_records: z.array(z.string()) }),
  scopes: ['billing:read'],
  tenant: 'caller',
  credentials: ['billing_read'],
  limits: { maxResultBytes: 4_096 },
  handler: () => ({ status: 'open', source_records: [] }),
});

describe('toolgate check and egress', () => {
  it('warns about a tool whose credential has no egress allowlist (credential_scope still passes)', () => {
    const report = runCheck({ tools: [tool] }, '.toolgate/t.db');
    const [row] = report.tools;
    expect(report.ok).toBe(true);
    expect(row!.gates.credential_scope).toEqual({
      status: 'pass',
      reason: 'scoped credential: billing_read; no egress allowlist for billing_read',
    });
    expect(row!.warnings).toContain(
      'credential "billing_read" has no egress allowlist: ctx.fetch refuses every host ' +
        '(list its API host under egress.billing_read, or [] if it makes no HTTP calls)',
    );
    expect(formatReport(report)).toMatch(/! get_invoice_summary: credential "billing_read" has no egress allowlist/);
  });

  it('is quiet once the credential lists its hosts, or declares [] (no HTTP)', () => {
    for (const egress of [{ billing_read: ['billing.acme.internal'] }, { billing_read: [] }]) {
      const [row] = runCheck({ tools: [tool], egress }, '.toolgate/t.db').tools;
      expect(row!.gates.credential_scope.reason).toBe('scoped credential: billing_read; egress listed');
      expect(row!.warnings.join('\n')).not.toMatch(/egress/);
    }
  });

  it('fails credential_scope on an egress entry the gateway would refuse to boot with', () => {
    const report = runCheck({ tools: [tool], egress: { billing_read: ['billing.acme.internal/v1'] } }, 'db');
    expect(report.ok).toBe(false);
    expect(report.tools[0]!.gates.credential_scope).toMatchObject({
      status: 'fail',
      reason: expect.stringMatching(/egress\.billing_read: allowlist entry "billing\.acme\.internal\/v1"/),
    });
  });

  it('egress_denied is in the error table: not retryable, HTTP 403', () => {
    expect(ERROR_CODES.egress_denied).toMatchObject({ retryable: false, http: 403 });
  });
});
