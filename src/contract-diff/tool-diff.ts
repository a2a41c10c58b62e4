import { changesUnder, childPath, setDiff, show, type Change, type Severity } from './change.js';
import { diffGuards } from './guards-diff.js';
import { diffSchema } from './schema-diff.js';
import type { ResolvedLimits, ToolContract } from './snapshot-format.js';

/**
 * Everything about one tool present in both snapshots: how it may be called (kind, hints,
 * scopes, roles, limits), what it discloses (risk, rollback), what the gateway guards for it
 * (guards-diff.ts) and its input and output schemas.
 */
export function diffTool(name: string, path: string, from: ToolContract, to: ToolContract): Change[] {
  const { changes, add } = changesUnder(name, path);

  for (const key of ['description', 'title'] as const) {
    if (from[key] !== to[key])
      add('safe', key, 'description-changed', `${key} changed from ${none(from[key])} to ${none(to[key])}`);
  }
  const readToWrite = from.kind === 'read' && to.kind === 'action';
  if (readToWrite) add('breaking', 'kind', 'read-to-write', 'kind changed from read to action: the tool now writes');
  else if (from.kind !== to.kind)
    add(
      'breaking',
      'kind',
      'kind-changed',
      'kind changed from action to read: clients that follow its draft flow break',
    );
  changes.push(...diffHints(name, childPath(path, 'annotations'), from, to, readToWrite));

  const [scopesAdded, scopesRemoved] = setDiff(from.scopes, to.scopes);
  for (const s of scopesAdded)
    add('breaking', 'scopes', 'scope-added', `scope "${s}" now required: callers granted the old scopes are denied`);
  for (const s of scopesRemoved)
    add('breaking', 'scopes', 'scope-removed', `scope "${s}" no longer required: callers without it may now call`);
  changes.push(...diffRoles(name, childPath(path, 'roles'), from.roles, to.roles));

  if (from.risk !== to.risk) {
    const raised = rank(to.risk) > rank(from.risk);
    add(
      raised ? 'breaking' : 'safe',
      'risk',
      raised ? 'risk-raised' : 'risk-lowered',
      `risk changed from ${none(from.risk)} to ${none(to.risk)}${raised ? ': drafts may need more approval and take longer' : ''}`,
    );
  }
  const [rbA, rbB] = [from.rollback, to.rollback];
  if (rbA?.available && !rbB?.available)
    add('breaking', 'rollback', 'rollback-removed', 'rollback removed: approved writes can no longer be undone');
  else if (!rbA?.available && rbB?.available) add('safe', 'rollback', 'rollback-added', 'rollback added');
  else if (rbA?.available && rbB?.available && rbA.description !== rbB.description)
    add(
      'safe',
      'rollback',
      'rollback-changed',
      `rollback description changed from ${none(rbA.description)} to ${none(rbB.description)}`,
    );

  changes.push(...diffLimits(name, childPath(path, 'limits'), from.limits, to.limits));
  changes.push(...diffGuards(name, path, from, to));
  changes.push(...diffSchema(name, 'input', childPath(path, 'input'), from.input, to.input));
  changes.push(...diffSchema(name, 'output', childPath(path, 'output'), from.output, to.output));
  return changes;
}

/**
 * MCP hints. Clients use them to decide what to run without asking (read-only, idempotent,
 * closed-world, non-destructive), so a hint moving toward danger is breaking; toward safety, not.
 */
function diffHints(name: string, path: string, from: ToolContract, to: ToolContract, readToWrite: boolean): Change[] {
  const changes: Change[] = [];
  const risky = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true } as const;
  for (const [hint, dangerous] of Object.entries(risky) as [keyof typeof risky, boolean][]) {
    const [a, b] = [from.annotations[hint], to.annotations[hint]];
    if (a === b) continue;
    // The kind change already says read → write; the hint that follows from it would only repeat it.
    if (hint === 'readOnlyHint' && readToWrite) continue;
    const breaking = b === dangerous;
    const kind = hint === 'readOnlyHint' && breaking ? 'read-to-write' : 'hint-changed';
    const why = breaking ? ': clients that act on the hint without asking may now do harm' : '';
    changes.push({
      severity: breaking ? 'breaking' : 'safe',
      tool: name,
      path: childPath(path, hint),
      kind,
      reason: `${hint} changed from ${a} to ${b}${why}`,
    });
  }
  if (from.annotations.title !== to.annotations.title) {
    const reason = `title hint changed from ${show(from.annotations.title)} to ${show(to.annotations.title)}`;
    changes.push({ severity: 'safe', tool: name, path: childPath(path, 'title'), kind: 'description-changed', reason });
  }
  return changes;
}

/**
 * Roles are any-of: with none, every principal with the scopes may call; with some, one is
 * enough. So adding the first role and removing one of several restrict access (callers are
 * denied), while adding another role or dropping the last one widen it (a guard loosened): every
 * role change is breaking, with the reason saying which way it went.
 */
function diffRoles(name: string, path: string, from: readonly string[], to: readonly string[]): Change[] {
  const [added, removed] = setDiff(from, to);
  const change = (severity: Severity, kind: string, reason: string): Change => ({
    severity,
    tool: name,
    path,
    kind,
    reason,
  });
  return [
    ...added.map((r) =>
      from.length === 0
        ? change('breaking', 'role-added', `role "${r}" now required: callers without it are denied`)
        : change(
            'breaking',
            'role-added',
            `role "${r}" added: any one of the roles suffices, so more callers are allowed`,
          ),
    ),
    ...removed.map((r) =>
      to.length > 0
        ? change('breaking', 'role-removed', `role "${r}" removed: callers who hold only that role are denied`)
        : change('breaking', 'role-removed', `role "${r}" removed: the tool no longer requires a role`),
    ),
  ];
}

/**
 * Every limit change is breaking. Lowered, a call that fit yesterday (its size, its rate, its run
 * time) may be refused, throttled, cut or timed out today; raised, a guard is looser (more calls a
 * minute, more untrusted text, larger results in the model's context). CI stops so a person
 * confirms it on purpose.
 */
function diffLimits(name: string, path: string, from: ResolvedLimits, to: ResolvedLimits): Change[] {
  const pairs: [string, number, number][] = [
    ...(['timeoutMs', 'maxResultBytes', 'maxResultTokens', 'maxInputBytes', 'maxUntrustedChars'] as const).map(
      (k): [string, number, number] => [k, from[k], to[k]],
    ),
    ['rate.perMinute', from.rate.perMinute, to.rate.perMinute],
    ['rate.burst', from.rate.burst, to.rate.burst],
  ];
  return pairs
    .filter(([, a, b]) => a !== b)
    .map(([key, a, b]) => ({
      severity: 'breaking',
      tool: name,
      path: `${path}.${key}`,
      kind: b < a ? 'limit-lowered' : 'limit-raised',
      reason:
        b < a
          ? `${key} lowered from ${a} to ${b}: calls that fit before may be refused, cut, throttled or time out`
          : `${key} raised from ${a} to ${b}: the guard it sets is looser`,
    }));
}

const RISKS = ['low', 'medium', 'high'];
const rank = (risk: string | null) => (risk === null ? -1 : RISKS.indexOf(risk));

/** Null in the snapshot means "not set": read tools have no risk, untitled tools no title. */
const none = (value: string | null | undefined) => show(value ?? undefined);
