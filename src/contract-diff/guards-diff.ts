import { changesUnder, childPath, setDiff, type Change } from './change.js';
import type { ToolContract, ToolGuards } from './snapshot-format.js';

/**
 * What the gateway guards for one tool: its tenant rule, untrusted and PII-allowed fields,
 * credentials, egress hosts and approval policy. Loosening any of them is breaking even though
 * no client fails: the gateway now protects less, and CI stops so a person confirms it on
 * purpose. A change a client can feel (a host it needed, approval it did not wait for) is
 * breaking too; tightening otherwise is safe.
 */
export function diffGuards(name: string, path: string, from: ToolContract, to: ToolContract): Change[] {
  const guardsPath = childPath(path, 'guards');
  if (!from.guards || !to.guards) {
    // Only a snapshot written before guards were recorded lacks them; regenerating it fixes that.
    // Breaking: a committed snapshot with its guards deleted would otherwise pass any loosening.
    if (!from.guards && !to.guards) return [];
    const side = from.guards ? 'current contract' : 'committed snapshot';
    const reason = `the ${side} records no guards (an older toolgate wrote it, or they were removed): regenerate it to compare them`;
    return [{ severity: 'breaking', tool: name, path: guardsPath, kind: 'guards-not-recorded', reason }];
  }
  const { changes, add } = changesUnder(name, guardsPath);
  const [a, b] = [from.guards, to.guards];

  if (a.tenant !== b.tenant)
    add(
      'breaking',
      'tenant',
      'tenant-rule-changed',
      `tenant rule changed from ${a.tenant} to ${b.tenant}: which records a caller may reach is decided differently`,
    );
  for (const [field, added] of setChanges(a.untrusted, b.untrusted))
    if (added) add('safe', 'untrusted', 'untrusted-field-added', `output field "${field}" is now fenced as untrusted`);
    else
      add(
        'breaking',
        'untrusted',
        'untrusted-field-removed',
        `output field "${field}" is no longer fenced as untrusted: its text reaches the model as if trusted`,
      );
  for (const [field, added] of setChanges(a.allowPii, b.allowPii))
    if (added) add('breaking', 'allowPii', 'pii-allowed', `output field "${field}" may now carry PII unmasked`);
    else add('safe', 'allowPii', 'pii-masked', `output field "${field}" is masked again`);
  for (const [credential, added] of setChanges(a.credentials, b.credentials))
    if (added) add('breaking', 'credentials', 'credential-added', `the handler may now use credential "${credential}"`);
    else add('safe', 'credentials', 'credential-removed', `the handler no longer gets credential "${credential}"`);
  for (const [host, added] of setChanges(a.egress, b.egress))
    add(
      'breaking',
      'egress',
      added ? 'egress-host-added' : 'egress-host-removed',
      added
        ? `ctx.fetch may now reach ${host}`
        : `ctx.fetch may no longer reach ${host}: calls that needed it fail with egress_denied`,
    );
  changes.push(...diffApproval(name, childPath(guardsPath, 'approval'), a.approval, b.approval));
  return changes;
}

type Approval = NonNullable<ToolGuards['approval']>;

/** Fewer or wider approvers, self-approval or auto-approval: fewer people stand between a draft and a write. */
function diffApproval(name: string, path: string, from: Approval | null, to: Approval | null): Change[] {
  // A read tool that became an action (or back) is reported by the kind change.
  if (!from || !to) return [];
  const { changes, add } = changesUnder(name, path);

  if (from.autoApprove !== to.autoApprove)
    add(
      'breaking',
      'autoApprove',
      to.autoApprove ? 'auto-approve-on' : 'auto-approve-off',
      to.autoApprove
        ? 'drafts are now approved automatically: no person approves them before they run'
        : 'drafts now wait for a person: clients that expected them to run at once see them pending',
    );
  if (from.approvers !== to.approvers)
    add(
      'breaking',
      'approvers',
      to.approvers < from.approvers ? 'approvers-lowered' : 'approvers-raised',
      `approvals needed changed from ${from.approvers} to ${to.approvers}` +
        (to.approvers < from.approvers ? ': fewer people must agree before a write' : ': drafts take longer to run'),
    );
  if (from.allowSelfApproval !== to.allowSelfApproval)
    add(
      to.allowSelfApproval ? 'breaking' : 'safe',
      'allowSelfApproval',
      to.allowSelfApproval ? 'self-approval-allowed' : 'self-approval-refused',
      to.allowSelfApproval
        ? 'whoever asked for a draft may now approve it themselves'
        : 'whoever asked for a draft may no longer approve it',
    );
  // Roles are any-of, as for callers: another role widens who may approve.
  for (const [role, added] of setChanges(from.roles, to.roles))
    if (added) add('breaking', 'roles', 'approver-role-added', `holders of role "${role}" may now approve drafts`);
    else add('safe', 'roles', 'approver-role-removed', `holders of role "${role}" may no longer approve drafts`);
  for (const key of ['maxWaitingPerCaller', 'maxWaitingPerTenant'] as const)
    changes.push(...diffWaitingCap(name, path, key, from[key], to[key]));
  if (from.expiresInMs !== to.expiresInMs) {
    const sooner = to.expiresInMs < from.expiresInMs;
    add(
      sooner ? 'breaking' : 'safe',
      'expiresInMs',
      sooner ? 'draft-expiry-shortened' : 'draft-expiry-lengthened',
      `drafts expire after ${to.expiresInMs} ms instead of ${from.expiresInMs} ms` +
        (sooner ? ': drafts that would have been approved in time may expire' : ''),
    );
  }
  return changes;
}

/**
 * A cap on drafts awaiting approval (null: none). Raised or removed, one caller can bury the
 * approvers' lists again: a guard loosened. Lowered, a client that drafted within it may be
 * refused. Either way a person should see it. Not compared when a snapshot predates the caps.
 */
function diffWaitingCap(
  name: string,
  path: string,
  key: 'maxWaitingPerCaller' | 'maxWaitingPerTenant',
  from: number | null | undefined,
  to: number | null | undefined,
): Change[] {
  if (from === undefined || to === undefined || from === to) return [];
  const { changes, add } = changesUnder(name, path);
  const whose = key === 'maxWaitingPerCaller' ? 'one caller' : 'one tenant';
  const said = (cap: number | null) => (cap === null ? 'no limit' : String(cap));
  const looser = to === null || (from !== null && to > from);
  add(
    'breaking',
    key,
    looser ? 'waiting-cap-raised' : 'waiting-cap-lowered',
    `drafts ${whose} may have awaiting approval changed from ${said(from)} to ${said(to)}` +
      (looser ? ': one caller can fill the approvers’ lists with more' : ': drafting may be refused sooner'),
  );
  return changes;
}

/** Each value in only one of the two sets, with whether it was added. */
function setChanges(from: readonly string[], to: readonly string[]): [string, boolean][] {
  const [added, removed] = setDiff(from, to);
  return [...added.map((v): [string, boolean] => [v, true]), ...removed.map((v): [string, boolean] => [v, false])];
}
