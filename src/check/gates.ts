import { budgetTokens } from '../budget/result-budget.js';
import { limitsFor } from '../contract/default-limits.js';
import type { AnyTool } from '../contract/types.js';
import type { ToolgateConfig } from '../config/define-config.js';
import { parseAllowlist } from '../egress/allowlist.js';
import { fieldsOf, schemaHasPath, isFreeForm, snakeCase, takesText, typesOf } from './schema-walk.js';
import { fail, notApplicable, pass, type Gate, type GateCheck } from './types.js';

// R2: an argument that takes a path, URL, host, SQL (or a WHERE clause), shell, template,
// expression, endpoint or raw body turns a tool into a proxy. Host, webhook, where, template and
// expression passed before (outside probe).
const PROXY_ARG =
  /^(?:path|paths|file|filename|filepath|dir|directory|url|uri|href|endpoint|route|host|hostname|webhook|callback|sql|query_sql|raw_sql|where|where_clause|command|cmd|shell|script|exec|eval|expression|expr|template|body|payload|raw|raw_json|json|request|method|headers)$|_(?:path|url|uri|host|hostname|webhook|sql|where|command|cmd|script|expression|template|endpoint|body|payload)$|^(?:sql|shell)_/i;
// Credentials that can do everything are the opposite of least privilege.
const BROAD_CREDENTIAL = /admin|root|super|master|god|full[_-]?access|all[_-]?access/i;
// Reads named like writes are writes in disguise; they must be actions with a preview.
const WRITE_VERB =
  /^(?:create|update|delete|remove|append|send|set|cancel|refund|approve|grant|revoke|post|put|patch|write|issue|charge|suspend|deploy|reset|disable|enable|transfer|pay|close|reopen|add|assign|unassign|archive|submit|publish|move|rename|merge|restore|invite|upload|import|trigger|start|stop|terminate|block|unblock|lock|unlock|mark|attach|detach|apply|execute|schedule|book|reply|resolve|escalate|notify|void|reverse|credit|debit|renew|activate|deactivate|provision|rotate|revert|rollback|sync)_/;
// Text that people outside the company write: the prompt-injection surface (R5).
const FOREIGN_TEXT =
  /(?:^|_)(?:body|text|note|notes|content|message|messages|description|comment|comments|email|subject|document|html|transcript|reply|summary_text|page)$/i;
const CLAUDE_CODE_RESULT_TOKENS = 25_000;

const toolScope: GateCheck = (tool) => {
  const fields = fieldsOf(tool.inputJsonSchema as Record<string, unknown>);
  // By name, where the field can carry free text: `email_template: z.enum([...])` or a boolean
  // `callback` names no place to go (review).
  const defs = (tool.inputJsonSchema.$defs ?? {}) as Record<string, Record<string, unknown>>;
  const proxy = fields.find((f) => PROXY_ARG.test(snakeCase(f.name)) && takesText(f.schema, defs));
  if (proxy)
    return fail(`input "${proxy.path}" takes a free-form ${proxy.name}; ask for ids, enums and time windows instead`);
  // A list of anything (`z.array(z.any())`) is raw JSON too: its items were never looked at.
  const freeForm = fields.find((f) => isFreeForm(f.schema, defs));
  if (freeForm) return fail(`input "${freeForm.path}" accepts arbitrary JSON; give it explicit properties`);
  const uri = fields.find((f) => f.schema.format === 'uri' || f.schema.format === 'url');
  if (uri) return fail(`input "${uri.path}" is a URL; the tool would reach wherever the model points it`);
  return pass(`${fields.length} typed inputs, none free-form`);
};

const credentialScope: GateCheck = (tool, ctx) => {
  const names = tool.credentials ?? [];
  if (names.length === 0 && tool.gatewayDataOnly) return notApplicable("reads only the gateway's own store");
  if (names.length === 0) return fail('declares no credentials; name the least-privilege service credential it uses');
  const broad = names.find((n) => BROAD_CREDENTIAL.test(n));
  if (broad) return fail(`credential "${broad}" looks like an admin credential; use one scoped to this task`);
  const otherKind = ctx.tools.find((t) => t.kind !== tool.kind && (t.credentials ?? []).some((n) => names.includes(n)));
  if (otherKind)
    return fail(
      `shares a credential with ${otherKind.kind} tool ${otherKind.name}; reads and writes need separate credentials`,
    );
  // The egress allowlist is part of a credential's scope: a malformed entry would stop the boot.
  for (const name of names) {
    try {
      parseAllowlist(ctx.config.egress?.[name] ?? [], `egress.${name}`);
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  const unlisted = egressFindings(tool, ctx.config);
  return pass(
    `scoped credential${names.length > 1 ? 's' : ''}: ${names.join(', ')}` +
      (unlisted.length > 0 ? `; no egress allowlist for ${unlisted.join(', ')}` : '; egress listed'),
  );
};

/**
 * The credentials of a tool that have no `egress` entry at all. Not a gate failure: egress is
 * deny-by-default, so such a tool reaches nothing through ctx.fetch; the warning says so (and
 * hints at a handler that may be calling the global fetch instead). `[]` declares "no HTTP".
 */
export function egressFindings(tool: AnyTool, config: ToolgateConfig): string[] {
  if (tool.gatewayDataOnly) return [];
  return (tool.credentials ?? []).filter((name) => config.egress?.[name] === undefined);
}

const readOnlyProof: GateCheck = (tool) => {
  if (tool.kind !== 'read') return notApplicable('write action');
  if (!tool.limits?.maxResultBytes && !tool.limits?.maxResultTokens)
    return fail('no explicit result limit (limits.maxResultBytes or maxResultTokens)');
  const sources = tool.sourcesField ?? 'source_records';
  const properties = (tool.outputJsonSchema.properties ?? {}) as Record<string, unknown>;
  if (!tool.sourcesField && !(sources in properties))
    return fail('output has no source ids (source_records or sourcesField)');
  // A sourcesField the output does not have passed before, and the audit then kept no source ids.
  if (!(sources in properties)) return fail(`sourcesField "${sources}" is not a field of the output`);
  return pass(
    `typed output, limit ${tool.limits.maxResultBytes ?? `${tool.limits.maxResultTokens} tokens`}, sources in ${sources}`,
  );
};

const writePreview: GateCheck = (tool) => {
  if (tool.kind === 'action')
    return tool.action ? pass('defined as an action with a preview') : fail('action without an executable spec');
  if (WRITE_VERB.test(tool.name))
    return fail(`"${tool.name}" is named like a write but is a read tool; define it with defineAction`);
  return notApplicable('read tool');
};

const approvalPath: GateCheck = (tool) => {
  const action = tool.action;
  if (!action) return notApplicable('read tool');
  if (action.approval.roles.length === 0) return fail('no approver roles');
  if (action.risk === 'high' && !action.rollback) {
    return pass(
      `high risk, ${action.approval.approvers} approver(s) of ${action.approval.roles.join('/')}; verify set; "no rollback" disclosed before approval`,
    );
  }
  return pass(
    `${action.risk} risk, ${action.approval.autoApprove ? 'auto-approved by policy' : `${action.approval.approvers} approver(s) of ${action.approval.roles.join('/')}`}; verify${action.rollback ? ' and rollback' : ''} set`,
  );
};

const auditLog: GateCheck = (_tool, ctx) =>
  ctx.database === ':memory:' || ctx.database === ''
    ? fail('audit store is not durable; set database (or TOOLGATE_DB) to a file')
    : pass(`durable hash-chained audit in ${ctx.database}`);

const outputBudget: GateCheck = (tool) => {
  const limits = limitsFor(tool.limits);
  const tokens = budgetTokens(limits);
  if (tokens > CLAUDE_CODE_RESULT_TOKENS)
    return fail(`budget of ~${tokens} tokens exceeds Claude Code's ${CLAUDE_CODE_RESULT_TOKENS}-token default`);
  const limitField = fieldsOf(tool.inputJsonSchema as Record<string, unknown>).find(
    (f) => f.name === 'limit' && typeof f.schema.maximum === 'number',
  );
  // A `limit` input bounds the lists at the top of the result; a list inside each item
  // (`orders[].lines`) is as long as the data makes it, limit or not: it needs its own maxItems.
  const unbounded = fieldsOf(tool.outputJsonSchema as Record<string, unknown>).filter(
    (f) =>
      !f.path.startsWith('notices') &&
      typesOf(f.schema).includes('array') &&
      f.schema.maxItems === undefined &&
      f.name !== 'source_records',
  );
  const nested = unbounded.find((f) => f.path !== f.name);
  if (nested)
    return fail(`list "${nested.path}" is unbounded: a limit input bounds only top-level lists; add maxItems`);
  if (unbounded.length > 0 && !limitField)
    return fail(`list "${unbounded[0]!.path}" is unbounded: add a bounded limit input (limitParam) or maxItems`);
  return pass(
    `~${tokens} tokens max${limitField ? `, lists capped by limit ≤ ${String(limitField.schema.maximum)}` : ''}`,
  );
};

/** Text, a list of text, or a record of text (`z.record(z.string(), z.string())`, which it missed). */
const isText = (schema: Record<string, unknown>): boolean =>
  typesOf(schema).includes('string') ||
  (typesOf(schema).includes('array') && isText((schema.items ?? {}) as Record<string, unknown>)) ||
  (typesOf(schema).includes('object') &&
    typeof schema.additionalProperties === 'object' &&
    isText(schema.additionalProperties as Record<string, unknown>));

/**
 * Whether a declaration covers `path`: guardUntrusted fences every string beneath a declared
 * field, and a list declared as `name[]` as well as by its name.
 */
const coveredBy = (declared: ReadonlySet<string>, path: string): boolean =>
  [...declared].some((d) => path === d || d === `${path}[]` || path.startsWith(`${d}.`) || path.startsWith(`${d}[]`));

const promptGuard: GateCheck = (tool) => {
  const declared = new Set((tool.untrusted ?? []).map((u) => u.field));
  const output = tool.outputJsonSchema as Record<string, unknown>;
  // A declaration naming no field of the output fences nothing: the README's own example declared
  // `notes[].text` on an output without `notes`, and this gate passed it (outside probe).
  const stray = [...declared].find((field) => !schemaHasPath(output, field));
  if (stray) return fail(`"${stray}" is declared untrusted but the output has no such field: nothing is fenced there`);
  const text = fieldsOf(output).filter(
    (f) => !f.path.startsWith('notices') && isText(f.schema) && FOREIGN_TEXT.test(snakeCase(f.name)),
  );
  const undeclared = text.find((f) => !coveredBy(declared, f.path));
  if (undeclared) return fail(`"${undeclared.path}" looks like ticket/note/email text but is not declared untrusted`);
  return declared.size > 0 ? pass(`untrusted: ${[...declared].join(', ')}`) : pass('returns no free text from outside');
};

export const GATE_CHECKS: Readonly<Record<Gate, GateCheck>> = {
  tool_scope: toolScope,
  credential_scope: credentialScope,
  read_only_proof: readOnlyProof,
  write_preview: writePreview,
  approval_path: approvalPath,
  audit_log: auditLog,
  output_budget: outputBudget,
  prompt_guard: promptGuard,
};
