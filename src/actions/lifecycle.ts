import type { DraftStatus } from '../store/types.js';

/**
 * The whole life of a draft in one table (R4, R11): which event may move a draft from which
 * status to which, who may cause it, and the audit event it writes. Every path — approve,
 * reject, expire, execute, verify, rollback, an operator's retry or close — goes through
 * `applyTransition` (transition.ts), which refuses anything this table does not list.
 *
 *   awaiting_approval ─approve→ approved ─start→ executing ─succeed→ executed ─verify_ok→ verified
 *        │  └─reject→ rejected                    │  └─fail→ failed          └─verify_mismatch→ unverified
 *        └─expire→ expired                        └─outcome_unknown→ unresolved ─retry→ executing
 *                                                     (reconcile_seen→ executed)  └─close→ failed
 *   executed | verified | unverified ─rollback→ rolled_back
 *   unverified ─reverify_ok→ verified   (an operator runs verify again; reverify_mismatch stays unverified)
 */
export type DraftEvent =
  | 'approval_recorded'
  | 'approve'
  | 'reject'
  | 'expire'
  | 'start'
  | 'succeed'
  | 'fail'
  | 'outcome_unknown'
  | 'reconcile_seen'
  | 'verify_ok'
  | 'verify_mismatch'
  | 'rollback'
  | 'retry'
  | 'close'
  | 'reverify_ok'
  | 'reverify_mismatch';

/** Who may cause an event: a person with an approver role of the action, or the gateway itself. */
export type Cause = 'approver' | 'operator' | 'system';

export interface TransitionRule {
  readonly from: readonly DraftStatus[];
  readonly to: DraftStatus;
  readonly by: Cause;
  /** The audit event kind, written as `action.<audit>` in the same chain as tool calls. */
  readonly audit: string;
}

const EXECUTED: readonly DraftStatus[] = ['executed', 'verified', 'unverified'];

export const LIFECYCLE: Readonly<Record<DraftEvent, TransitionRule>> = {
  approval_recorded: {
    from: ['awaiting_approval'],
    to: 'awaiting_approval',
    by: 'approver',
    audit: 'approval_recorded',
  },
  approve: { from: ['awaiting_approval'], to: 'approved', by: 'approver', audit: 'approved' },
  reject: { from: ['awaiting_approval'], to: 'rejected', by: 'approver', audit: 'rejected' },
  expire: { from: ['awaiting_approval'], to: 'expired', by: 'system', audit: 'expired' },
  start: { from: ['approved'], to: 'executing', by: 'system', audit: 'executing' },
  succeed: { from: ['executing'], to: 'executed', by: 'system', audit: 'executed' },
  // The upstream answered, or the request provably never left: nothing happened.
  fail: { from: ['executing'], to: 'failed', by: 'system', audit: 'failed' },
  // The request may have reached the upstream and verify could not confirm either way.
  outcome_unknown: { from: ['executing'], to: 'unresolved', by: 'system', audit: 'unresolved' },
  // An unresolved draft whose write verify can now see (an operator's retry checks first).
  reconcile_seen: { from: ['unresolved'], to: 'executed', by: 'operator', audit: 'reconciled' },
  verify_ok: { from: ['executed'], to: 'verified', by: 'system', audit: 'verified' },
  verify_mismatch: { from: ['executed'], to: 'unverified', by: 'system', audit: 'unverified' },
  rollback: { from: EXECUTED, to: 'rolled_back', by: 'approver', audit: 'rolled_back' },
  retry: { from: ['unresolved'], to: 'executing', by: 'operator', audit: 'operator_retry' },
  close: { from: ['unresolved'], to: 'failed', by: 'operator', audit: 'operator_closed' },
  // An operator's second look at an unverified draft (its verify may have failed to check at all):
  // verify runs again and nothing is written upstream; still no, and the draft stays where it is.
  reverify_ok: { from: ['unverified'], to: 'verified', by: 'operator', audit: 'reverified' },
  reverify_mismatch: { from: ['unverified'], to: 'unverified', by: 'operator', audit: 'reverify_failed' },
};

export const DRAFT_STATUSES: readonly DraftStatus[] = [
  'awaiting_approval',
  'approved',
  'executing',
  'executed',
  'verified',
  'unverified',
  'unresolved',
  'failed',
  'rejected',
  'expired',
  'rolled_back',
];

/** Where `event` takes a draft in `status`, or null when the table does not allow it. */
export function nextStatus(status: DraftStatus, event: DraftEvent): DraftStatus | null {
  const rule = LIFECYCLE[event];
  return rule.from.includes(status) ? rule.to : null;
}

/** The events a person could cause on a draft in `status` (what the console and CLI offer). */
export function eventsFrom(status: DraftStatus, by: Cause): DraftEvent[] {
  return (Object.keys(LIFECYCLE) as DraftEvent[]).filter(
    (event) => LIFECYCLE[event].by === by && LIFECYCLE[event].from.includes(status),
  );
}
