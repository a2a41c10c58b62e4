import { describe, expect, it } from 'vitest';
import { acmeConfig } from '../../examples/acme/toolgate.config.js';
import { diffContracts } from '../../src/contract-diff/diff.js';
import { parseSnapshot } from '../../src/contract-diff/read-snapshot.js';
import { snapshotOf, snapshotText } from '../../src/contract-diff/snapshot.js';
import type { ContractSnapshot, ToolGuards } from '../../src/contract-diff/snapshot-format.js';

/**
 * The guards in the contract: loosening what the gateway protects (untrusted fencing, PII
 * masking, credentials, egress, approval) stops CI like a breaking change, so it is never
 * merged unnoticed; tightening it is reported as safe.
 */
const config = acmeConfig({});
const base = snapshotOf(config);
const REFUND = 'create_refund_draft';
const SEARCH = 'search_support_ticket';
const BILLING = 'get_customer_billing_summary';

function guardsOf(snapshot: ContractSnapshot, tool: string): ToolGuards {
  return snapshot.tools[tool]!.guards!;
}

/** [severity, kind, path, reason] of every change after `edit`. */
function report(edit: (s: ContractSnapshot) => void, from: ContractSnapshot = base) {
  const to = structuredClone(from);
  edit(to);
  return diffContracts(from, to).map((c) => [c.severity, c.kind, c.path, c.reason]);
}

describe('the guards a contract snapshot records', () => {
  it('has each tool’s tenant rule, untrusted and PII fields, credentials, egress hosts and approval policy', () => {
    expect(guardsOf(base, SEARCH)).toEqual({
      tenant: 'caller',
      untrusted: ['tickets[].excerpt', 'tickets[].subject'],
      allowPii: [],
      credentials: ['acme_tickets_read'],
      egress: ['127.0.0.1:8788'],
      approval: null,
    });
    expect(guardsOf(base, REFUND)).toMatchObject({
      tenant: 'owner-lookup',
      credentials: ['acme_refunds_write'],
      approval: {
        roles: ['billing_approver'],
        approvers: 1,
        allowSelfApproval: false,
        autoApprove: false,
        expiresInMs: 86_400_000,
        maxWaitingPerCaller: 50,
        maxWaitingPerTenant: null,
      },
    });
  });

  it('follows the config: the egress entries of the tool’s credentials, sorted, whatever their order', () => {
    const egress = { acme_tickets_read: ['b.internal:443', 'a.internal:443'], unused: ['c.internal:443'] };
    const snapshot = snapshotOf({ ...config, egress });
    expect(guardsOf(snapshot, SEARCH).egress).toEqual(['a.internal:443', 'b.internal:443']);
    expect(guardsOf(snapshot, BILLING).egress).toEqual([]);
  });
});

describe('a change to the guards', () => {
  it('loosening any guard is breaking, with a reason that says what is now unprotected', () => {
    const path = (tool: string, key: string) => `tools.${tool}.guards.${key}`;
    expect(report((s) => guardsOf(s, SEARCH).untrusted.pop())).toEqual([
      [
        'breaking',
        'untrusted-field-removed',
        path(SEARCH, 'untrusted'),
        'output field "tickets[].subject" is no longer fenced as untrusted: its text reaches the model as if trusted',
      ],
    ]);
    expect(report((s) => guardsOf(s, BILLING).allowPii.push('customer.email'))).toEqual([
      [
        'breaking',
        'pii-allowed',
        path(BILLING, 'allowPii'),
        'output field "customer.email" may now carry PII unmasked',
      ],
    ]);
    expect(report((s) => guardsOf(s, BILLING).credentials.push('acme_refunds_write'))).toEqual([
      [
        'breaking',
        'credential-added',
        path(BILLING, 'credentials'),
        'the handler may now use credential "acme_refunds_write"',
      ],
    ]);
    expect(report((s) => guardsOf(s, BILLING).egress.push('evil.example:443'))).toEqual([
      ['breaking', 'egress-host-added', path(BILLING, 'egress'), 'ctx.fetch may now reach evil.example:443'],
    ]);
    expect(report((s) => (guardsOf(s, SEARCH).tenant = 'owner-lookup'))[0]?.slice(0, 2)).toEqual([
      'breaking',
      'tenant-rule-changed',
    ]);
  });

  it('approval: auto-approval, fewer approvers, self-approval and another approver role are breaking', () => {
    const approval = (s: ContractSnapshot) => guardsOf(s, REFUND).approval!;
    const at = (key: string) => `tools.${REFUND}.guards.approval.${key}`;
    expect(report((s) => (approval(s).autoApprove = true))).toEqual([
      [
        'breaking',
        'auto-approve-on',
        at('autoApprove'),
        'drafts are now approved automatically: no person approves them before they run',
      ],
    ]);
    const fourEyes = structuredClone(base);
    approval(fourEyes).approvers = 2;
    expect(report((s) => (approval(s).approvers = 1), fourEyes)).toEqual([
      [
        'breaking',
        'approvers-lowered',
        at('approvers'),
        'approvals needed changed from 2 to 1: fewer people must agree before a write',
      ],
    ]);
    expect(report((s) => (approval(s).allowSelfApproval = true))).toEqual([
      [
        'breaking',
        'self-approval-allowed',
        at('allowSelfApproval'),
        'whoever asked for a draft may now approve it themselves',
      ],
    ]);
    expect(report((s) => approval(s).roles.push('support_agent'))).toEqual([
      ['breaking', 'approver-role-added', at('roles'), 'holders of role "support_agent" may now approve drafts'],
    ]);
    expect(report((s) => (approval(s).expiresInMs = 60_000))[0]?.slice(0, 2)).toEqual([
      'breaking',
      'draft-expiry-shortened',
    ]);
  });

  it('approval: any change to a cap on waiting drafts is breaking; a snapshot from before the caps compares none', () => {
    // The cap keeps one caller from burying everyone's drafts (outside probe, 2026-12-07): raising
    // or removing it loosens that guard; lowering it may refuse drafts a client made before.
    const approval = (s: ContractSnapshot) => guardsOf(s, REFUND).approval!;
    const at = (key: string) => `tools.${REFUND}.guards.approval.${key}`;
    expect(report((s) => (approval(s).maxWaitingPerCaller = null))).toEqual([
      [
        'breaking',
        'waiting-cap-raised',
        at('maxWaitingPerCaller'),
        'drafts one caller may have awaiting approval changed from 50 to no limit: one caller can fill the approvers’ lists with more',
      ],
    ]);
    expect(report((s) => (approval(s).maxWaitingPerCaller = 10))[0]?.slice(0, 2)).toEqual([
      'breaking',
      'waiting-cap-lowered',
    ]);
    expect(report((s) => (approval(s).maxWaitingPerTenant = 500))[0]?.slice(0, 3)).toEqual([
      'breaking',
      'waiting-cap-lowered',
      at('maxWaitingPerTenant'),
    ]);
    const older = structuredClone(base);
    delete approval(older).maxWaitingPerCaller;
    delete approval(older).maxWaitingPerTenant;
    const reread = parseSnapshot(snapshotText(older));
    expect(diffContracts((reread as { snapshot: ContractSnapshot }).snapshot, base)).toEqual([]);
    // And the config's own value is what the snapshot records.
    const snapshot = snapshotOf({
      ...config,
      tools: config.tools.map((tool) =>
        tool.name === REFUND && tool.action
          ? { ...tool, action: { ...tool.action, approval: { ...tool.action.approval, maxWaitingPerCaller: 7 } } }
          : tool,
      ),
    });
    expect(approval(snapshot).maxWaitingPerCaller).toBe(7);
  });

  it('tightening a guard is safe', () => {
    const kinds = (edit: (s: ContractSnapshot) => void) => report(edit).map(([severity, kind]) => [severity, kind]);
    expect(kinds((s) => guardsOf(s, BILLING).untrusted.push('summary'))).toEqual([['safe', 'untrusted-field-added']]);
    expect(kinds((s) => guardsOf(s, SEARCH).credentials.pop())).toEqual([['safe', 'credential-removed']]);
    expect(kinds((s) => guardsOf(s, REFUND).approval!.roles.pop())).toEqual([['safe', 'approver-role-removed']]);
    const wide = structuredClone(base);
    guardsOf(wide, REFUND).approval!.allowSelfApproval = true;
    guardsOf(wide, REFUND).allowPii.push('refund.note');
    expect(
      report((s) => {
        guardsOf(s, REFUND).approval!.allowSelfApproval = false;
        guardsOf(s, REFUND).allowPii.pop();
      }, wide).map(([severity, kind]) => [severity, kind]),
    ).toEqual([
      ['safe', 'pii-masked'],
      ['safe', 'self-approval-refused'],
    ]);
  });

  it('a snapshot without guards still reads, and each tool stops CI until it is regenerated', () => {
    const old = structuredClone(base);
    for (const tool of Object.values(old.tools)) delete tool.guards;
    const reread = parseSnapshot(snapshotText(old));
    expect('snapshot' in reread).toBe(true);
    const changes = diffContracts((reread as { snapshot: ContractSnapshot }).snapshot, base);
    expect(changes).toHaveLength(Object.keys(base.tools).length);
    // Breaking: a committed snapshot with its guards deleted hid any loosening (outside probe).
    expect(changes.every((c) => c.severity === 'breaking' && c.kind === 'guards-not-recorded')).toBe(true);
    expect(changes[0]?.reason).toBe(
      'the committed snapshot records no guards (an older toolgate wrote it, or they were removed): regenerate it to compare them',
    );
  });
});
