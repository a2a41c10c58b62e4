import { chmodSync, chownSync, createWriteStream, existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import type { AuditEvent, AuditFilter } from '../audit/event.js';
import { jsonShowingInvisible } from '../guard/invisible.js';
import type { AuditSource } from '../store/open-store.js';
import { removeAbandonedPartials, stagingPath, syncFile } from '../store/sqlite/staged-file.js';
import type { CliIo } from './args.js';
import { waitingOutOutages } from './audit-follow.js';
import { holdSignals } from '../util/held-signals.js';

/**
 * Pages through the log by seq so memory stays flat however long the log is, waiting for the
 * output to drain (backpressure); with `follow`, keeps polling for new events until interrupted.
 */
export async function exportJsonl(
  source: AuditSource,
  filter: AuditFilter,
  options: {
    readonly out: string | undefined;
    /** Open `out` even if it exists; otherwise one that appeared since the check is refused. */
    readonly overwrite: boolean;
    /** Write `<out>.partial-<pid>` and rename it to `out` once the export is whole. */
    readonly stage: boolean;
    readonly follow: boolean;
    /** Wait out a database that goes away (PostgreSQL, following) rather than end. */
    readonly outages: boolean;
    readonly afterSeq: number;
  },
  io: CliIo,
): Promise<number> {
  const { out, follow } = options;
  // An export that ends by itself is staged: a file under OUT is a whole export or none. A Ctrl-C
  // left hundreds of thousands of valid lines under the final name, which read exactly like a
  // complete export (outside probe). A --follow export has no end but Ctrl-C: it writes in place,
  // and the signal is its normal end, with the anchor line (it died without it before).
  const staged = out !== undefined && options.stage ? stagingPath(out) : undefined;
  if (out !== undefined && staged) removeAbandonedPartials(out);
  // The file must open (its directory exists, it is not a directory) before anything is read, and
  // a write that fails later (a full disk) fails the export: before, both printed "exported N
  // events" and exit 0 with nothing, or half, on disk.
  const file = out ? await openForExport(staged ?? out, staged ? false : options.overwrite) : undefined;
  let writeError: Error | undefined;
  file?.on('error', (error) => (writeError ??= error));
  const target = file ?? io.stdout;
  let afterSeq = options.afterSeq;
  let last: AuditEvent | undefined;
  let written = 0;
  const max = filter.limit ?? Number.POSITIVE_INFINITY;
  // Noted, not obeyed, so an export can end cleanly: remove its staged file, or (following)
  // close the file and print the anchor. A second signal is obeyed at once.
  const signals = holdSignals({ obeySecond: true });
  const showsProgress = out !== undefined || (io.stdout as { isTTY?: boolean }).isTTY !== true;
  /** Stopped while the database was away: the stream did not end where the log does. */
  let stoppedInOutage = false;
  try {
    while (!signals.received()) {
      const query = () => source.audit.query({ ...filter, afterSeq, limit: Math.min(1_000, max - written) });
      const retry = {
        enabled: options.outages,
        label: 'toolgate audit export',
        io,
        pause: signals.orTimeout,
        stopped: () => signals.received() !== null,
      };
      const page = written < max ? await waitingOutOutages(query, retry) : [];
      if (page === null) stoppedInOutage = true;
      if (page === null || signals.received()) break;
      if (page.length === 0) {
        if (!follow || written >= max) break;
        await signals.orTimeout(1_000);
        continue;
      }
      const before = written;
      for (const e of page) {
        // Counted event by event: a signal may end the page part way, and the count and the
        // anchor printed at the end must name what was written, not the page's last event.
        if (writeError || signals.received()) break;
        // Hidden characters as \u escapes (the same value once parsed): JSON.stringify leaves U+202E
        // and the C1 controls (U+009B is a one-character ESC [) as they are (outside probe).
        const flowing = target.write(`${jsonShowingInvisible(e)}\n`);
        written += 1;
        last = e;
        afterSeq = e.seq;
        // A failed write rejects the wait for 'drain': recorded, and reported below as the file's.
        // A reader that stopped reading (a paused `less`, a stuck shipper) must not make a
        // Ctrl-C or a SIGTERM wait for it (review): the wait ends at a signal too.
        if (!flowing)
          await Promise.race([once(target, 'drain').catch((error: Error) => (writeError ??= error)), signals.next()]);
      }
      if (writeError) break;
      // Progress on stderr, unless it would land among the events on the same terminal.
      if (showsProgress && Math.floor(written / 10_000) > Math.floor(before / 10_000))
        io.stderr.write(`exported ${written} events…\n`);
    }
    // A file cut short by a signal is not flushed (a staged one goes below). Stdout whose reader
    // stopped reading is main.ts's: a failed or interrupted command does not wait for it.
    if (file && signals.received() !== null && !follow) file.destroy();
    else if (file) await new Promise<void>((resolve) => file.end(() => resolve()));
    const interrupted = follow && !stoppedInOutage ? null : signals.received();
    if (staged && (writeError || interrupted)) rmSync(staged, { force: true });
    if (writeError) throw new Error(`${out} is incomplete: writing it failed (${writeError.message}).`);
    // A file cut short still reads as a good export (it has no head of its own): its last event's
    // anchor, kept apart from the file, is what shows it (`tail -n1` must carry that seq and hash).
    const anchor = last ? `; its last event is ${last.seq}:${last.hash}` : '';
    if (interrupted) {
      const where = staged ? `; ${out} was not written` : anchor;
      const during = stoppedInOutage ? ' while the database was unavailable' : '';
      io.stderr.write(`toolgate audit export: interrupted (${interrupted})${during} after ${written} events${where}\n`);
      return 2;
    }
    if (out !== undefined && staged) placeExport(staged, out, options.overwrite);
    io.stderr.write(`exported ${written} events${out === undefined ? '' : ` to ${out}`}${anchor}\n`);
    return 0;
  } finally {
    signals.release();
  }
}

/**
 * The whole, synced export renamed into place. Without --force, one that appeared at `out` since
 * the start is kept and the export left beside it: a link fails where `out` exists, a rename
 * would not.
 */
function placeExport(staged: string, out: string, overwrite: boolean): void {
  // A replaced export keeps its mode (and owner, where this process may set it): a rename puts a
  // new file in place, and a 0600 audit.jsonl came back 0644 after --force (review).
  const replaced = overwrite ? statSync(out, { throwIfNoEntry: false }) : undefined;
  if (replaced) {
    chmodSync(staged, replaced.mode & 0o7777);
    try {
      chownSync(staged, replaced.uid, replaced.gid);
    } catch {
      // not ours to give away: the mode still holds
    }
  }
  syncFile(staged);
  if (overwrite) renameSync(staged, out);
  else {
    try {
      linkSync(staged, out);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      // A filesystem without hard links (FAT, some network mounts): a rename, where nothing is.
      const noLinks = code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP';
      if (code !== 'EEXIST' && !noLinks) throw error;
      if (code === 'EEXIST' || existsSync(out)) {
        // Kept under a name the next run's clean-up of abandoned partials does not take.
        const kept = `${out}.kept-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(staged, kept);
        throw new Error(`${out} appeared while exporting; the export is kept at ${kept}.`);
      }
      renameSync(staged, out);
    }
    rmSync(staged, { force: true });
  }
  syncFile(dirname(resolve(out)));
}

/** A write stream on `path`, once it is open; an open that fails rejects with why. */
async function openForExport(path: string, overwrite: boolean) {
  const stream = createWriteStream(path, { flags: overwrite ? 'w' : 'wx' });
  await once(stream, 'open');
  return stream;
}
