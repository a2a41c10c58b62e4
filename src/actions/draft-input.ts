import { z } from 'zod';
import { canonicalJson } from '../audit/chain.js';
import type { ActionRuntimeSpec } from '../contract/types.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import type { DraftRecord } from '../store/types.js';
import { sha256 } from '../util/sha256.js';
import { boundText } from '../util/size.js';
import { stateOf } from './draft-state.js';

/**
 * What a draft keeps of its input, and how execute, verify and rollback get it back.
 *
 * The draft kept the *parsed* input and each step parsed it again, so every transform ran twice
 * (`usd → cents` approved at 1,000 cents executed 100,000) and a codec's Date was kept as `{}`
 * (outside probe). Keeping the arguments as sent instead re-ran every default at each step: a
 * generated id differed between preview, execute and rollback, and a default changed by a
 * redeploy executed unseen (review). So the draft keeps the digest of the parsed input the
 * preview was described from, and the first of two forms that parses back to it: the parsed
 * input *encoded back* to what the schema takes (`z.encode`: defaults filled in, codecs encoded,
 * a generated id fixed), else the arguments as sent (a one-way transform cannot be encoded).
 * Every later parse must come back to the digest, or nothing is run.
 */
export function storedInputOf(
  tool: string,
  spec: ActionRuntimeSpec,
  parsed: unknown,
  sent: unknown,
): { input: unknown; digest: string } {
  const digest = digestOf(parsed);
  // Each candidate is kept only if parsing it comes back to what the preview was made from: a
  // non-idempotent `.overwrite()` encodes "successfully" by running again, and its drafts then
  // failed only after a person had approved them (review). If neither does, the action cannot be
  // drafted faithfully, and the model's call is refused now.
  for (const candidate of [encoded(spec, parsed), sent]) {
    if (candidate === undefined) continue;
    const again = spec.input.safeParse(JSON.parse(canonicalJson(candidate)));
    if (again.success && digestOf(again.data) === digest) return { input: candidate, digest };
  }
  throw new ToolgateError(
    'internal',
    'This action cannot keep its input for approval: parsing it again gives another value.',
    {
      detail:
        `${tool}'s input schema does not parse the same twice (a transform or overwrite that is not ` +
        'idempotent, or a default that differs each time beside a one-way transform); nothing was drafted',
    },
  );
}

/** The parsed input encoded back to what the schema takes, or undefined where it cannot be. */
function encoded(spec: ActionRuntimeSpec, parsed: unknown): unknown {
  try {
    return z.encode(spec.input, parsed as never);
  } catch {
    return undefined; // a one-way transform
  }
}

/**
 * The input execute, verify and rollback are given: the stored input parsed now. One that no
 * longer parses, or parses to something other than the preview was described from (the action's
 * schema, a default or a transform changed after it was drafted), is a `conflict` saying so, and
 * nothing is run with it. A draft made before the digest was kept holds its input already
 * parsed: it is run only if parsing it again changes nothing.
 */
export function draftInputOf(spec: ActionRuntimeSpec, draft: DraftRecord): unknown {
  const parsed = spec.input.safeParse(JSON.parse(draft.input));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    const why = `${where}${boundText(issue?.message ?? 'invalid', 300)}`;
    throw refused(
      draft,
      `no longer matches ${draft.tool}'s input schema (${why}): the action changed after it was drafted`,
    );
  }
  const { inputDigest } = stateOf(draft);
  if (inputDigest !== undefined && digestOf(parsed.data) !== inputDigest)
    throw refused(
      draft,
      'parses to something other than what its preview was made from: a default or transform changed after it ' +
        'was drafted, or gives a different value each time',
    );
  // Made before the digest was kept, a draft stored its input already parsed. Parsing it again is
  // right only where that changes nothing; otherwise a transform would run a second time.
  if (inputDigest === undefined && canonicalJson(parsed.data) !== draft.input)
    throw refused(
      draft,
      'was kept already transformed by an earlier version, and would be transformed again; draft it anew',
    );
  return parsed.data;
}

const digestOf = (parsed: unknown) => sha256(canonicalJson(parsed));

const refused = (draft: DraftRecord, what: string) =>
  new ToolgateError('conflict', `Draft ${draft.id}'s input ${what}. Nothing was run with it.`);
