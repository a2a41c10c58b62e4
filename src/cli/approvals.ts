import { loadConfig, resolveSettings } from '../config/load-config.js';
import { DRAFT_STATUSES } from '../actions/lifecycle.js';
import { asToolgateError } from '../errors/toolgate-error.js';
import { gatewayFromConfig } from '../config/gateway-from-config.js';
import { whereToSet } from '../credentials/provider.js';
import { openStore } from '../store/open-store.js';
import type { Principal } from '../auth/principal.js';
import type { DraftPosition, DraftStatus } from '../store/types.js';
import { DRAFT_PAGE_MAX, draftPageOf, type DraftOrder } from '../actions/draft-list-page.js';
import { flagNotTaken, parseCommand, positiveInteger, usageError, type CliIo } from './args.js';
import { missingDatabase, notToolgateDatabase } from './existing-database.js';
import { jsonShowingInvisible, showInvisible, showInvisibleInLine } from '../guard/invisible.js';
import { shortAuditKeyWarning } from '../audit/key-check.js';

const USAGE = `Usage:
  toolgate approvals list [--status awaiting_approval] [--oldest] [--limit N] [--json]
  toolgate approvals show DRAFT_ID [--json]
  toolgate approvals approve|reject|rollback DRAFT_ID --as ACTOR --reason "…" [--hash DRAFT_HASH] [--json]
  toolgate approvals retry|close DRAFT_ID --as ACTOR --reason "…" [--hash DRAFT_HASH] [--json]   (outcome unknown)
  toolgate approvals reverify DRAFT_ID --as ACTOR --reason "…" [--hash DRAFT_HASH] [--json]   (unverified: verify again)

Decides drafts of write actions from a terminal, with the same checks as the console and REST.
approve, retry and rollback run the write here, in this process, and reverify the action's
verify: its credentials must be set in this environment, as for \`toolgate serve\` (refused with
exit 2 when they are not). Exit 1 when the decision was refused, or when it was taken but the
write did not land or was not confirmed (failed, unresolved, unverified).
ACTOR must be listed in the config's \`approvers\`. \`fail\` is accepted as the old name of \`close\`.
Options:
  --config F   toolgate.config.{ts,js,mjs} (default: TOOLGATE_CONFIG or ./toolgate.config.ts)
  --as A       who decides: an actorId from the config's \`approvers\`
               (ACTOR@TENANT when that actor id is an approver in several tenants)
  --reason R   why, recorded with the decision (required to decide)
  --status S   list drafts in this status (default awaiting_approval), one of:
               ${DRAFT_STATUSES.slice(0, 6).join(', ')},
               ${DRAFT_STATUSES.slice(6).join(', ')}
  --oldest     longest-waiting first (default newest first)
  --limit N    at most N drafts (default all of them)
  --hash H     decide only if the draft has this hash (the one you reviewed)
  --json       machine-readable output
  -h, --help   this help`;

/** What each command takes besides --config and --json, as the usage lists it. */
const FLAGS_OF: Readonly<
  Record<'list' | 'show' | 'approve' | 'reject' | 'rollback' | 'close' | 'reverify', readonly string[]>
> = {
  list: ['status', 'oldest', 'limit'],
  show: [],
  approve: ['as', 'reason', 'hash'],
  reject: ['as', 'reason', 'hash'],
  rollback: ['as', 'reason', 'hash'],
  close: ['as', 'reason', 'hash'],
  reverify: ['as', 'reason', 'hash'],
};

/** `toolgate approvals …`: decide drafts from a terminal, with the same checks as the console and REST. */
export async function runApprovalsCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGE,
    positionals: true,
    options: {
      config: { type: 'string' },
      status: { type: 'string' },
      oldest: { type: 'boolean' },
      limit: { type: 'string' },
      as: { type: 'string' },
      reason: { type: 'string' },
      hash: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [verb, id] = positionals;
  // `fail` is the 0.1 name of `close`; both end an unresolved draft without running anything.
  const resolving = verb === 'retry' || verb === 'close' || verb === 'fail';
  const deciding = verb === 'approve' || verb === 'reject' || verb === 'rollback' || verb === 'reverify' || resolving;
  // Bare, a usage error, as bare `audit`, `contract` and `connect` are: exit 0 let
  // `toolgate approvals $VERB` with VERB unset pass in a script (outside probe).
  if (verb === undefined)
    return usageError(io, USAGE, 'Name a command: list, show, approve, reject, rollback, retry, close or reverify.');
  if (!(verb === 'list' || verb === 'show' || deciding)) {
    return usageError(io, USAGE, `Unknown approvals command "${verb}".`);
  }
  const notTaken = flagNotTaken(
    values,
    ['config', 'json', ...FLAGS_OF[(resolving ? 'close' : verb) as keyof typeof FLAGS_OF]],
    `approvals ${verb}`,
  );
  if (notTaken) return usageError(io, USAGE, notTaken);
  if ((verb === 'show' || deciding) && !id) return usageError(io, USAGE, `approvals ${verb} needs a DRAFT_ID.`);
  const extra = positionals[verb === 'list' ? 1 : 2];
  if (extra !== undefined) return usageError(io, USAGE, `Unexpected argument "${extra}".`);
  if (values.status !== undefined && !(DRAFT_STATUSES as readonly string[]).includes(values.status))
    return usageError(io, USAGE, `--status must be one of ${DRAFT_STATUSES.join(', ')} (got "${values.status}").`);
  const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : positiveInteger(values.limit);
  if (limit === null) return usageError(io, USAGE, `--limit must be a positive integer (got "${values.limit}").`);
  const { config } = await loadConfig(values.config, process.cwd(), io.env);
  // ACTOR, or ACTOR@TENANT where one actor id is an approver in several tenants: the first match
  // was taken, so the others could not decide from here (outside probe).
  const named = (p: Principal) => values.as === p.actorId || values.as === `${p.actorId}@${p.tenant}`;
  const candidates = deciding ? (config.approvers ?? []).filter(named) : [];
  const approver = candidates.length === 1 ? candidates[0] : undefined;
  if (deciding && candidates.length > 1) {
    const which = candidates.map((p) => `${p.actorId}@${p.tenant}`).join(', ');
    return usageError(io, USAGE, `--as ${values.as} is an approver in several tenants; name one: ${which}.`);
  }
  if (deciding && !approver) {
    // Named as --as takes them: ACTOR, or ACTOR@TENANT where the actor id is in several tenants.
    const all = config.approvers ?? [];
    const shared = (p: Principal) => all.filter((q) => q.actorId === p.actorId).length > 1;
    const approvers =
      all.map((p) => (shared(p) ? `${p.actorId}@${p.tenant}` : p.actorId)).join(', ') || 'none configured';
    return usageError(io, USAGE, `--as must name one of the config's approvers (${approvers}).`);
  }
  if (deciding && !values.reason)
    return usageError(io, USAGE, '--reason is required: it is recorded with the decision.');
  const settings = resolveSettings(config, io.env);
  // approvals has no --db: it reads the database the config and environment give `serve`.
  const missing = missingDatabase(
    settings.database,
    'Set TOOLGATE_DB / TOOLGATE_DATABASE_URL (or `database` in the config)',
  );
  if (missing) {
    io.stderr.write(`${missing}\n`);
    return 2;
  }
  // Exit 2 and one line, as `audit` does: it was exit 1 with a raw "open …" line, after migrating.
  const foreign = await notToolgateDatabase(settings.database);
  if (foreign) {
    io.stderr.write(`toolgate approvals: ${foreign}\n`);
    return 2;
  }
  const shortKey = shortAuditKeyWarning(settings.auditKey);
  if (shortKey) io.stderr.write(`warning: ${shortKey}\n`);
  const store = await openStore(settings);
  const gateway = gatewayFromConfig(config, store, { cursorKey: settings.cursorKey, auditKey: settings.auditKey });
  const credentialsMissingFor = async (draftId: string): Promise<string[]> => {
    const found = await gateway.actions.get(draftId);
    // Another tenant's draft is the decision's own not_found (audited there), not "needs a
    // credential", which said the id exists (outside probe).
    const draft = found && found.tenant === approver?.tenant ? found : undefined;
    const tool = draft ? config.tools.find((t) => t.name === draft.tool) : undefined;
    // An approval that is not the last one needed runs nothing: no credentials wanted for it.
    const needed = tool?.action?.approval.approvers ?? 1;
    if (verb === 'approve' && draft && gateway.actions.view(draft).approvals.length + 1 < needed) return [];
    const { credentials } = gateway.runtime;
    return (tool?.credentials ?? [])
      .filter((name) => credentials.get(name) === undefined)
      .map((name) => `${name}${whereToSet(credentials, name)}`);
  };
  // What a draft carries (its input, the reasons people gave) reaches a terminal: hidden
  // characters are escaped in JSON and shown as [U+…] in text, never written raw, where an escape
  // sequence in one approver's reason cleared the next one's screen (outside probe).
  const print = (value: unknown, human: string) =>
    io.stdout.write(values.json ? `${jsonShowingInvisible(value, 2)}\n` : `${showInvisible(human)}\n`);
  try {
    if (verb === 'list') {
      // Every draft, a page at a time: it showed the newest 200 and said nothing of the rest, and
      // one caller's flood then hid everyone else's (outside probe, 2026-12-07).
      const status = (values.status ?? 'awaiting_approval') as DraftStatus;
      const order = values.oldest ? 'oldest' : 'newest';
      await printDrafts(gateway, { status, order, limit }, values.json === true, io.stdout);
      return 0;
    }
    if (verb === 'show') {
      const draft = await gateway.actions.get(id ?? '');
      if (!draft) {
        io.stderr.write(`Draft ${id} was not found.\n`);
        return 1;
      }
      const view = gateway.actions.view(draft);
      print(
        view,
        // Each value on its own labelled line: a line break in a requester's name or a reason
        // printed a forged line below the real ones (outside probe).
        [
          `${view.id} — ${view.tool} (${view.risk} risk) — ${view.status}`,
          `requested by ${view.requester}@${view.tenant} via ${view.client}; expires ${view.expires_at}`,
          `preview: ${jsonShowingInvisible(view.preview)}`,
          `input:   ${jsonShowingInvisible(view.input)}`,
          `hash:    ${view.draft_hash}`,
          `approvals: ${view.approvals.map((a) => `${a.approver} (${a.reason})`).join(', ') || 'none'}`,
        ]
          .map(showInvisibleInLine)
          .join('\n'),
      );
      return 0;
    }
    const request = {
      reason: values.reason ?? '',
      surface: 'cli' as const,
      ...(values.hash ? { draftHash: values.hash } : {}),
    };
    // approve, retry and rollback run the write from this process, with its environment. Without
    // the action's credentials here, the write failed on its first credential() and the draft
    // was left `unresolved` for an operator, with exit 0.
    // reverify runs the action's verify here too: the same credentials.
    if (verb === 'approve' || verb === 'retry' || verb === 'rollback' || verb === 'reverify') {
      const missing = await credentialsMissingFor(id ?? '');
      if (missing.length > 0) {
        const what = verb === 'reverify' ? "the action's verify" : 'the write';
        io.stderr.write(
          `${verb} runs ${what} from this process, and it needs credential ${missing.join(', ')}, which ` +
            `has no value in this environment. Set it as for \`toolgate serve\`, or decide in the console.\n`,
        );
        return 2;
      }
    }
    const draft = resolving
      ? await gateway.actions.resolve(id ?? '', approver!, verb === 'retry' ? 'retry' : 'close', request)
      : await gateway.actions[verb as 'approve'](id ?? '', approver!, request);
    print(gateway.actions.view(draft), `${draft.id} is now ${draft.status}`);
    // Decided, but the write did not go through: say so in the exit code, for scripts.
    return draft.status === 'unresolved' || draft.status === 'failed' || draft.status === 'unverified' ? 1 : 0;
  } catch (thrown) {
    const error = asToolgateError(thrown);
    // The operator's terminal gets what the log gets: the detail, masked like every log line.
    if (error.code === 'internal' && error.detail)
      io.stderr.write(`${gateway.runtime.maskSecrets(error.detail).text}\n`);
    io.stderr.write(`${error.code}: ${error.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/**
 * Prints the drafts in one status, up to `limit` of them, in `order`, a page at a time as they are
 * read (a long history is not held in memory first: review); `--json` as one array.
 */
async function printDrafts(
  gateway: ReturnType<typeof gatewayFromConfig>,
  filter: { status: DraftStatus; order: DraftOrder; limit: number },
  json: boolean,
  out: NodeJS.WritableStream,
): Promise<void> {
  let shown = 0;
  if (json) out.write('[');
  for (let after: DraftPosition | undefined; shown < filter.limit;) {
    const request = {
      status: filter.status,
      order: filter.order,
      limit: Math.min(DRAFT_PAGE_MAX, filter.limit - shown),
    };
    const page = await draftPageOf(gateway.actions, undefined, after ? { ...request, after } : request);
    for (const d of page.drafts) {
      if (json) out.write(`${shown > 0 ? ',' : ''}\n${jsonShowingInvisible(gateway.actions.view(d), 2)}`);
      else
        out.write(
          `${[d.id, d.status, d.risk, d.tool, `${d.requester}@${d.tenant}`, `expires ${d.expiresAt}`].map(showInvisibleInLine).join('\t')}\n`,
        );
      shown++;
    }
    const last = page.drafts.at(-1);
    if (!page.nextCursor || !last) break;
    after = { createdAt: last.createdAt, id: last.id };
  }
  if (json) out.write(shown > 0 ? '\n]\n' : ']\n');
  else if (shown === 0) out.write('no drafts\n');
}
