import type { ToolgateConfig } from '../config/define-config.js';
import type { AnyTool } from '../contract/types.js';
import { estimateTokens, byteLength } from '../util/size.js';
import { egressFindings, GATE_CHECKS } from './gates.js';
import { fieldsOf, snakeCase, typesOf, type JsonSchema } from './schema-walk.js';
import { GATES, type Gate, type GateResult } from './types.js';

export interface ToolReport {
  readonly tool: string;
  readonly kind: AnyTool['kind'];
  readonly gates: Readonly<Record<Gate, GateResult>>;
  readonly warnings: readonly string[];
}

export interface CheckReport {
  readonly ok: boolean;
  readonly tools: readonly ToolReport[];
  /** Estimated tokens the tool definitions cost each client per request (R14). */
  readonly toolsets: readonly { readonly client: string; readonly tools: number; readonly definitionTokens: number }[];
  /** Issue #16: the read-only switch is on; these actions are switched off (not listed, not run). */
  readonly readOnly: { readonly on: boolean; readonly actionsOff: readonly string[] };
}

const CLAUDE_CODE_DESCRIPTION_LIMIT = 2_048;

/** Holds every tool of a config against the eight gates and sizes each client's toolset. */
export function runCheck(config: ToolgateConfig, database: string): CheckReport {
  const ctx = { config, database, tools: config.tools };
  const tools = config.tools.map((tool): ToolReport => {
    const gates = Object.fromEntries(GATES.map((gate) => [gate, GATE_CHECKS[gate](tool, ctx)])) as Record<
      Gate,
      GateResult
    >;
    return { tool: tool.name, kind: tool.kind, gates, warnings: warningsFor(tool, config) };
  });
  const clients = config.toolsets ? Object.entries(config.toolsets) : [['*', config.tools.map((t) => t.name)] as const];
  const toolsets = clients.map(([client, names]) => {
    const defs = config.tools
      .filter((t) => names.includes(t.name))
      .map((t) => JSON.stringify({ name: t.name, description: t.description, input_schema: t.inputJsonSchema }));
    return { client, tools: defs.length, definitionTokens: estimateTokens(byteLength(defs.join(''))) };
  });
  const readOnly = {
    on: config.readOnly === true,
    actionsOff: config.readOnly === true ? config.tools.filter((t) => t.kind === 'action').map((t) => t.name) : [],
  };
  return { ok: tools.every((t) => GATES.every((g) => t.gates[g].status !== 'fail')), tools, toolsets, readOnly };
}

function warningsFor(tool: AnyTool, config: ToolgateConfig): string[] {
  const warnings: string[] = [];
  for (const name of egressFindings(tool, config))
    warnings.push(
      `credential "${name}" has no egress allowlist: ctx.fetch refuses every host ` +
        `(list its API host under egress.${name}, or [] if it makes no HTTP calls)`,
    );
  const description = tool.description.trim();
  if (description.length < 40)
    warnings.push(`description is short (${description.length} chars): say what it returns and when to use it`);
  if (byteLength(description) > CLAUDE_CODE_DESCRIPTION_LIMIT)
    warnings.push(`description is over Claude Code's 2 KB limit (${byteLength(description)} bytes)`);
  if (/^(?:get|do|run|handle|process|call)_(?:data|info|stuff|thing|item|items|it)$/.test(tool.name))
    warnings.push(`name "${tool.name}" is vague: name the domain outcome`);
  const properties = (tool.inputJsonSchema.properties ?? {}) as Record<string, { description?: string }>;
  const bare = Object.entries(properties)
    .filter(([, schema]) => !schema.description)
    .map(([name]) => name);
  if (bare.length > 0) warnings.push(`parameters without descriptions: ${bare.join(', ')}`);
  const numericPii = fieldsOf(tool.outputJsonSchema as JsonSchema).filter(
    (f) => PII_NAME.test(f.name) && typesOf(f.schema).some((t) => t === 'number' || t === 'integer'),
  );
  if (numericPii.length > 0)
    warnings.push(
      `output fields that look like PII are numbers, which redaction does not scan: ` +
        `${numericPii.map((f) => f.path).join(', ')} (return them as strings, or leave them out)`,
    );
  // `tenant: 'caller'` promises the handler scopes itself to the caller's tenant; an input that
  // names a tenant lets the model name another (outside probe: such a tool read beta's records
  // for alpha). Only the author can tell, so it is a warning, not a gate.
  const tenantInput =
    tool.tenant === 'caller'
      ? fieldsOf(tool.inputJsonSchema as JsonSchema).find((f) => TENANT_NAME.test(snakeCase(f.name)))
      : undefined;
  if (tenantInput)
    warnings.push(
      `input "${tenantInput.path}" looks like a tenant id on a tool marked tenant: 'caller'; scope the handler ` +
        `to ctx.principal.tenant and drop the input, or use tenant: { ownerOf } to check the record it names`,
    );
  return warnings;
}

// Inputs that name whose data to read: a tenant, organisation, workspace or company.
const TENANT_NAME = /^(?:tenant|org|organi[sz]ation|workspace|company)(?:_(?:id|name|slug|key))?$|_tenant(?:_id)?$/;

/**
 * Names of fields that hold a phone, card, account or identity number. Redaction reads text: a
 * number is passed as is (masking it would change its type under the published output schema),
 * so a phone returned as `14155550123` leaves unmasked. `check` says so instead.
 */
const PII_NAME =
  /(?:^|_)(?:phone|mobile|tel|telephone|fax|msisdn|ssn|sin|card|pan|iban|account|passport|national_id|tax_id)(?:_(?:number|num|no))?$/i;

/** The table `toolgate check` prints: one row per tool, one column per gate. */
export function formatReport(report: CheckReport): string {
  const mark = (r: GateResult) => (r.status === 'pass' ? 'pass' : r.status === 'fail' ? 'FAIL' : 'n/a');
  const nameWidth = Math.max(4, ...report.tools.map((t) => t.tool.length));
  const header = ['tool'.padEnd(nameWidth), ...GATES.map((g) => g.padEnd(g.length))].join('  ');
  const rows = report.tools.map((t) =>
    [t.tool.padEnd(nameWidth), ...GATES.map((g) => mark(t.gates[g]).padEnd(g.length))].join('  '),
  );
  const failures = report.tools.flatMap((t) =>
    GATES.filter((g) => t.gates[g].status === 'fail').map((g) => `  ✗ ${t.tool} · ${g}: ${t.gates[g].reason}`),
  );
  const warnings = report.tools.flatMap((t) => t.warnings.map((w) => `  ! ${t.tool}: ${w}`));
  const sizes = report.toolsets.map(
    (s) => `  ${s.client}: ${s.tools} tools, ~${s.definitionTokens} tokens of definitions per request`,
  );
  const readOnly = report.readOnly.on
    ? [`Read-only: write actions are switched off (${report.readOnly.actionsOff.join(', ') || 'none defined'}).`, '']
    : [];
  return [
    ...readOnly,
    header,
    ...rows,
    '',
    ...(failures.length ? ['Failures:', ...failures, ''] : []),
    ...(warnings.length ? ['Warnings:', ...warnings, ''] : []),
    'Toolsets:',
    ...sizes,
    '',
    // "All gates pass" about no tools at all read as a clean bill for a config that loaded nothing.
    report.tools.length === 0
      ? 'No tools are defined: nothing was checked.'
      : report.ok
        ? 'All gates pass.'
        : `${failures.length} gate failure(s).`,
  ].join('\n');
}
