import { statSync } from 'node:fs';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import { run, type Run } from './connection.js';

/**
 * A check that `path` still names the file that was open when it was made. A connection keeps
 * the inode it opened, so after `toolgate restore` (or anyone) renamed another file over the path
 * or removed it, its writes still succeed — into a file no one can open again, lost at the next
 * start. Drafts, idempotency keys and console sessions went there while audit appends (the writer
 * thread's own copy of this check) and readiness already refused. One stat, ~2 µs.
 */
export function sameFileCheck(path: string): (what: string) => void {
  const opened = statSync(path);
  return (what) => {
    const now = statSync(path, { throwIfNoEntry: false });
    if (now && now.ino === opened.ino && now.dev === opened.dev) return;
    throw new StoreUnavailableError(
      `${what}: the database file ${path} was ${now ? 'replaced' : 'removed'} while the gateway ran; ` +
        'nothing more is read from or written to the file it had open (restart the gateway)',
    );
  };
}

/** `run` that first makes the check: every use of the store's durable connection goes through it. */
export function runOnSameFile(check: (what: string) => void): Run {
  return (what, operation) =>
    run(what, () => {
      check(what);
      return operation();
    });
}
