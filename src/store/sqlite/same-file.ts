import { statSync } from 'node:fs';
import { StoreUnavailableError } from '../../errors/toolgate-error.js';
import { run, type Run } from './connection.js';

/**
 * What became of the file `path` named when this was called: null while the path still names
 * it. Take it before opening a connection: a connection keeps the inode it opened, whatever the
 * path names later, and a rename between this stat and the open is then reported, not missed.
 */
export function changeOfFile(path: string): () => 'replaced' | 'removed' | null {
  const opened = statSync(path);
  return () => {
    const now = statSync(path, { throwIfNoEntry: false });
    if (now && now.ino === opened.ino && now.dev === opened.dev) return null;
    return now ? 'replaced' : 'removed';
  };
}

/**
 * A check that `path` still names the file the store opened. After `toolgate restore` (or
 * anyone) renamed another file over the path or removed it, the store's writes still succeeded —
 * into a file no one can open again, lost at the next start. Drafts, idempotency keys and console
 * sessions went there while audit appends (the writer thread's own copy of this check) and
 * readiness already refused. One stat, ~2 µs.
 */
export function sameFileCheck(
  path: string,
  /** Who had it open, and what to do: the store's words by default; a reader's are its own. */
  words: { readonly during: string; readonly then: string } = {
    during: 'the gateway had it open',
    then: 'nothing more is read from or written to the file it had open (restart the gateway)',
  },
): (what: string) => void {
  const changed = changeOfFile(path);
  return (what) => {
    const change = changed();
    if (!change) return;
    throw new StoreUnavailableError(
      `${what}: the database file ${path} was ${change} while ${words.during}; ${words.then}`,
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
