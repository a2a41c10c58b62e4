import type { AuditEvent, AuditEventInput } from '../../audit/event.js';
import { newId } from '../../util/ids.js';
import { isoTime } from '../../util/iso-time.js';

// What the PostgreSQL audit log makes of a commit that failed (audit-log.ts `settleFailedBatch`).

/**
 * What a failed commit says about its batch. A server that answered with an error (a SQLSTATE)
 * rolled the statement or transaction back; classes 22 (data exception) and 23 (integrity
 * constraint) blame the data, anything else the moment. No SQLSTATE means no answer: the
 * connection failed, perhaps after the commit was sent.
 */
export function failureOf(error: Error): 'refused-by-data' | 'refused' | 'unanswered' {
  const cause = (error as { cause?: { code?: unknown; severity?: unknown } }).cause;
  const sqlState = typeof cause?.severity === 'string' && typeof cause.code === 'string' ? cause.code : null;
  if (sqlState === null) return 'unanswered';
  return sqlState.startsWith('22') || sqlState.startsWith('23') ? 'refused-by-data' : 'refused';
}

/** The note that `event` was stored while its caller was told the call failed. */
export function lostAnswer(event: AuditEvent): AuditEventInput {
  const now = Date.now();
  const { seq, prevHash: _prevHash, hash: _hash, ...call } = event; // who, what and where: the call's
  return {
    ...call,
    id: newId('aud', now),
    time: isoTime(now),
    kind: 'audit.answer_lost',
    reason: `event ${event.id} (seq ${seq}) was stored, but its commit's answer was lost and the caller was told the call failed: nothing was returned`,
    outcome: 'error',
    errorCode: 'unavailable',
    outputSummary: null,
    resultBytes: 0,
    resultTokens: 0,
    sourceIds: [event.id],
    latencyMs: 0,
    data: { event: event.id, seq },
  };
}
