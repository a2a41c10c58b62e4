import type { RepeatingFailureLog } from '../log/repeating-failure.js';
import type { AuditEvent } from '../audit/event.js';
import type { AuditLog, Store } from './types.js';

/**
 * The store with every failed audit append reported to `failures`, whoever appended: a tool call
 * (whose result is then withheld), an approval, an edge refusal or a throttle block (answered
 * anyway). One place, so no caller logs a stack per failure and none swallows one unseen.
 */
export function reportingAuditFailures(store: Store, failures: RepeatingFailureLog): Store {
  const audit = store.audit;
  const stored = (sealed: AuditEvent) => {
    failures.succeeded();
    return sealed;
  };
  const reporting: AuditLog = {
    append: (event) =>
      audit.append(event).then(stored, (error: unknown) => {
        failures.failed(error, { auditId: event.id, kind: event.kind, tool: event.tool });
        throw error;
      }),
    query: (filter) => audit.query(filter),
    get: (id) => audit.get(id),
    verify: (anchor, progress) => audit.verify(anchor, progress),
    chainHead: () => audit.chainHead(),
    onCommit: (listener) => audit.onCommit(listener),
  };
  return { ...store, audit: reporting };
}
