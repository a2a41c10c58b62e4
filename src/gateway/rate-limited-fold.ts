import type { AuditEventInput } from '../audit/event.js';
import { newId } from '../util/ids.js';
import { boundText } from '../util/size.js';

/** How long one audit event stands for a caller's `rate_limited` refusals of one tool. */
export const FOLD_WINDOW_MS = 60_000;
/** Callers folded at once; past this, a refusal gets its own event again (memory stays bounded). */
const MAX_FOLDS = 10_000;

interface Fold {
  /** The event written for the first refusal of the window: the folded ones cite it. */
  readonly into: string;
  readonly since: number;
  /** Whether that event is in the log: until then nothing is folded into it. */
  written: boolean;
  count: number;
  last?: AuditEventInput;
}

export interface RateLimitedFold {
  /**
   * The id of the event `event` is folded into, or null when it is written as its own row: the
   * first `rate_limited` refusal of a caller for a tool in a window is, the next ones are counted.
   */
  fold(event: AuditEventInput): string | null;
  /** `event` (one `fold` returned null for) is in the log: later refusals may cite it. */
  written(event: AuditEventInput): void;
  /** Writes the count of each window that is over (all of them with `all`), one event each. */
  flush(options?: { all: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Outside probe (an operator of the audit log): a caller over its rate limit had every refused
 * call written to the audit log, ~780 bytes each: 5,262 events in 8 s from one token, and 2,989
 * from the refusal budget that was meant to stop exactly that. The log cannot be pruned without
 * breaking its chain. So a caller's `rate_limited` refusals of one tool are one event per window,
 * as the auth throttle writes one per block: the first is written before it is answered, as
 * every call is; the rest answer citing that event's id, and one more event, written when the
 * window is over (or at shutdown), says how many there were, when, and whose. A process killed
 * meanwhile loses that count, never a call that ran: only refusals are folded.
 */
export function createRateLimitedFold(
  append: (event: AuditEventInput) => Promise<unknown>,
  now: () => number,
  onError: (error: unknown) => void,
  /** Whether a name is a tool of this gateway: refusals of made-up names share one fold (review). */
  isTool: (name: string) => boolean,
): RateLimitedFold {
  const folds = new Map<string, Fold>();
  // Started with the first fold, so a gateway that never folds (or is never stopped) holds no timer.
  let timer: NodeJS.Timeout | undefined;
  // Over after the window, or at once when the clock went back (the window would last as long).
  const ended = (fold: Fold, at: number) => at - fold.since >= FOLD_WINDOW_MS || at < fold.since;

  const summaryOf = (fold: Fold, last: AuditEventInput): AuditEventInput => ({
    ...last,
    id: newId('aud', now()),
    reason: boundText(
      `${fold.count} more call${fold.count === 1 ? '' : 's'} refused rate_limited in the ${FOLD_WINDOW_MS / 1000} s ` +
        `from ${new Date(fold.since).toISOString()}, each answered citing ${fold.into}; the last: ${last.reason}`,
      1_000,
    ),
    data: { ...last.data, folded: fold.count, foldedInto: fold.into },
  });

  async function flush({ all } = { all: false }): Promise<void> {
    const at = now();
    const due = [...folds].filter(([, fold]) => all || ended(fold, at));
    for (const [key] of due) folds.delete(key);
    for (const [, fold] of due)
      if (fold.count > 0 && fold.last) await append(summaryOf(fold, fold.last)).catch(onError);
  }

  // Only the gateway's own refusals (`denied`): a handler that throws rate_limited (an upstream's
  // 429) ran, and its call keeps its own event (review).
  const keyOf = (event: AuditEventInput) =>
    event.errorCode === 'rate_limited' && event.kind === 'tool_call' && event.outcome === 'denied'
      ? JSON.stringify([event.tenant, event.actor, event.client, isTool(event.tool) ? event.tool : '*unknown*'])
      : null;

  return {
    fold(event) {
      const key = keyOf(event);
      if (key === null) return null;
      const open = folds.get(key);
      if (open && !ended(open, now())) {
        // Cited only once it is in the log: before, or if its write failed, this one is written
        // itself and becomes the window's event (a refusal must never cite an event not there).
        if (!open.written) {
          folds.set(key, { into: event.id, since: open.since, written: false, count: open.count, last: open.last });
          return null;
        }
        open.count++;
        open.last = event;
        return open.into;
      }
      if (open) {
        folds.delete(key);
        if (open.count > 0 && open.last) void append(summaryOf(open, open.last)).catch(onError);
      }
      if (folds.size < MAX_FOLDS) folds.set(key, { into: event.id, since: now(), written: false, count: 0 });
      if (!timer) {
        timer = setInterval(() => void flush(), FOLD_WINDOW_MS);
        timer.unref();
      }
      return null;
    },
    written(event) {
      const key = keyOf(event);
      const open = key === null ? undefined : folds.get(key);
      if (open?.into === event.id) open.written = true;
    },
    flush,
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await flush({ all: true });
    },
  };
}
