import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acmeConfig } from '../../examples/acme/toolgate.config.js';
import type { Change } from '../../src/contract-diff/change.js';
import { diffContracts } from '../../src/contract-diff/diff.js';
import { parseSnapshot } from '../../src/contract-diff/read-snapshot.js';
import { snapshotOf, snapshotText } from '../../src/contract-diff/snapshot.js';
import type { ContractSnapshot } from '../../src/contract-diff/snapshot-format.js';

// From an empty environment: ACME_URL in a developer's shell would move the egress hosts.
const config = acmeConfig({});
const GOLDEN_FILE = new URL('../fixtures/contract/acme.contract.json', import.meta.url);
const goldenText = readFileSync(GOLDEN_FILE, 'utf8');
const parsed = parseSnapshot(goldenText);
if (!('snapshot' in parsed)) throw new Error(`golden snapshot unreadable: ${parsed.problem}`);
const golden = parsed.snapshot;

/** The golden snapshot (or `base`) after `edit`, as if the config had been changed that way. */
function changed(
  edit: (s: ContractSnapshot, schema: (tool: string, side: 'input' | 'output') => Schema) => void,
  base: ContractSnapshot = golden,
) {
  const copy = structuredClone(base);
  edit(copy, (tool, side) => copy.tools[tool]![side] as Schema);
  return diffContracts(base, copy);
}
type Schema = { properties: Record<string, Record<string, unknown>>; required: string[]; [k: string]: unknown };

const breaking = (tool: string, path: string, kind: string, reason: string): Change => ({
  severity: 'breaking',
  tool,
  path,
  kind,
  reason,
});
const safe = (tool: string, path: string, kind: string, reason: string): Change => ({
  severity: 'safe',
  tool,
  path,
  kind,
  reason,
});

const BILLING = 'get_customer_billing_summary';
// A new tool stops CI and says what it may do (the billing tool's copy: its scope, credential, host).
const NEW_TOOL_REASON =
  'new tool "get_invoice": reads; scopes billing:read; credentials acme_billing_read; may reach 127.0.0.1:8788';
const SEARCH = 'search_support_ticket';
const INCIDENTS = 'summarize_incident_errors';
const REFUND = 'create_refund_draft';
const STATUS = 'get_action_status';
const NARROW = 'calls that were valid before may now be refused';
const WIDE_OUT = 'widened output that clients may not handle';

describe('the golden snapshot of the Acme demo', () => {
  it('equals the snapshot of examples/acme/toolgate.config.ts, byte for byte', () => {
    expect(snapshotText(snapshotOf(config))).toBe(goldenText);
  });

  it('is byte-stable: the same config twice, or its tools and toolsets in another order, give the same bytes', () => {
    const reordered = {
      ...config,
      tools: [...config.tools].reverse(),
      toolsets: Object.fromEntries(
        Object.entries(config.toolsets ?? {})
          .map(([k, v]) => [k, [...v].reverse()])
          .reverse(),
      ),
    };
    expect(snapshotText(snapshotOf(config))).toBe(snapshotText(snapshotOf(config)));
    expect(snapshotText(snapshotOf(reordered))).toBe(goldenText);
  });

  it('has a formatVersion, tools sorted by name and no timestamps', () => {
    expect(golden.formatVersion).toBe(1);
    expect(Object.keys(golden.tools)).toEqual([...Object.keys(golden.tools)].sort());
    expect(goldenText).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });

  it('records resolved limits, risk and the rollback disclosure', () => {
    expect(golden.tools[REFUND]).toMatchObject({
      kind: 'action',
      risk: 'high',
      rollback: { available: true, description: 'Void the refund in Acme before it settles.' },
      limits: { maxResultBytes: 16_384, rate: { perMinute: 120, burst: 20 } },
    });
    expect(golden.tools[BILLING]).toMatchObject({
      kind: 'read',
      risk: null,
      rollback: null,
      limits: { maxResultBytes: 2_048 },
    });
  });

  it('compared with itself has no changes', () => {
    expect(diffContracts(golden, structuredClone(golden))).toEqual([]);
  });
});

// Each case edits the golden snapshot one way and states the full, exact report.
const CASES: { name: string; edit: Parameters<typeof changed>[0]; expected: Change[] }[] = [
  {
    name: 'removed tool',
    edit: (s) => {
      delete s.tools[STATUS];
      s.toolsets.support_assistant = s.toolsets.support_assistant!.filter((t) => t !== STATUS);
    },
    expected: [
      breaking(
        STATUS,
        `tools.${STATUS}`,
        'tool-removed',
        `tool "${STATUS}" removed: clients that call it get an unknown-tool error`,
      ),
    ],
  },
  {
    name: 'new tool',
    edit: (s) => {
      s.tools.get_invoice = structuredClone(s.tools[BILLING]!);
    },
    expected: [breaking('get_invoice', 'tools.get_invoice', 'tool-added', NEW_TOOL_REASON)],
  },
  {
    name: 'removed input field',
    edit: (_, schema) => delete schema(SEARCH, 'input').properties.status,
    expected: [
      breaking(
        SEARCH,
        `tools.${SEARCH}.input.properties.status`,
        'input-field-removed',
        'input field "status" removed: calls that still send it are refused',
      ),
    ],
  },
  {
    name: 'removed output field',
    edit: (_, schema) => {
      const out = schema(BILLING, 'output');
      delete out.properties.open_amount_usd;
      out.required = out.required.filter((r) => r !== 'open_amount_usd');
    },
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.output.properties.open_amount_usd`,
        'output-field-removed',
        'output field "open_amount_usd" removed: clients may read it',
      ),
    ],
  },
  {
    name: 'new required input',
    edit: (_, schema) => {
      const input = schema(SEARCH, 'input');
      input.properties.locale = { type: 'string' };
      input.required.push('locale');
    },
    expected: [
      breaking(
        SEARCH,
        `tools.${SEARCH}.input.properties.locale`,
        'required-input-added',
        'new required input field "locale": calls that omit it are refused',
      ),
    ],
  },
  {
    name: 'new optional input',
    edit: (_, schema) => (schema(SEARCH, 'input').properties.locale = { type: 'string' }),
    expected: [
      safe(
        SEARCH,
        `tools.${SEARCH}.input.properties.locale`,
        'optional-input-added',
        'new optional input field "locale"',
      ),
    ],
  },
  {
    name: 'optional input made required',
    edit: (_, schema) => schema(SEARCH, 'input').required.push('query'),
    expected: [
      breaking(
        SEARCH,
        `tools.${SEARCH}.input.required`,
        'input-now-required',
        'input field "query" is now required: calls that omit it are refused',
      ),
    ],
  },
  {
    name: 'input type narrowed',
    edit: (_, schema) => (schema(REFUND, 'input').properties.amount_usd!.type = 'integer'),
    expected: [
      breaking(
        REFUND,
        `tools.${REFUND}.input.properties.amount_usd.type`,
        'input-narrowed',
        `type narrowed from number to integer: ${NARROW}`,
      ),
    ],
  },
  {
    name: 'input enum value removed',
    edit: (_, schema) => (schema(SEARCH, 'input').properties.status!.enum = ['open', 'pending']),
    expected: [
      breaking(
        SEARCH,
        `tools.${SEARCH}.input.properties.status.enum`,
        'input-narrowed',
        `enum value "solved" removed: ${NARROW}`,
      ),
    ],
  },
  {
    name: 'input maxLength lowered',
    edit: (_, schema) => (schema(BILLING, 'input').properties.reason!.maxLength = 200),
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.input.properties.reason.maxLength`,
        'input-narrowed',
        `maxLength lowered from 500 to 200: ${NARROW}`,
      ),
    ],
  },
  {
    name: 'input number maximum lowered',
    edit: (_, schema) => (schema(INCIDENTS, 'input').properties.hours!.maximum = 48),
    expected: [
      breaking(
        INCIDENTS,
        `tools.${INCIDENTS}.input.properties.hours.maximum`,
        'input-narrowed',
        `maximum lowered from 72 to 48: ${NARROW}`,
      ),
    ],
  },
  {
    name: 'input minimum raised',
    edit: (_, schema) => (schema(SEARCH, 'input').properties.limit!.minimum = 2),
    expected: [
      breaking(
        SEARCH,
        `tools.${SEARCH}.input.properties.limit.minimum`,
        'input-narrowed',
        `minimum raised from 1 to 2: ${NARROW}`,
      ),
    ],
  },
  {
    name: 'input pattern added',
    edit: (_, schema) => (schema(SEARCH, 'input').properties.query!.pattern = '^[a-z ]+$'),
    expected: [
      breaking(
        SEARCH,
        `tools.${SEARCH}.input.properties.query.pattern`,
        'input-narrowed',
        `pattern "^[a-z ]+$" added: ${NARROW}`,
      ),
    ],
  },
  {
    name: 'input widened (maxLength raised, enum value added, null accepted)',
    edit: (_, schema) => {
      const props = schema(SEARCH, 'input').properties;
      props.query!.maxLength = 200;
      props.status!.enum = ['open', 'pending', 'solved', 'closed'];
      props.cursor!.type = ['string', 'null'];
    },
    expected: [
      safe(
        SEARCH,
        `tools.${SEARCH}.input.properties.cursor.type`,
        'input-widened',
        'now also accepts values of type null: more calls are accepted',
      ),
      safe(
        SEARCH,
        `tools.${SEARCH}.input.properties.query.maxLength`,
        'input-widened',
        'maxLength raised from 100 to 200: more calls are accepted',
      ),
      safe(
        SEARCH,
        `tools.${SEARCH}.input.properties.status.enum`,
        'input-widened',
        'enum value "closed" added: more calls are accepted',
      ),
    ],
  },
  {
    name: 'new output enum value',
    edit: (_, schema) =>
      (schema(BILLING, 'output').properties.billing_status!.enum = ['current', 'past_due', 'written_off']),
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.output.properties.billing_status.enum`,
        'output-widened',
        `new output enum value "written_off" added: ${WIDE_OUT}`,
      ),
    ],
  },
  {
    name: 'output type widened',
    edit: (_, schema) => (schema(BILLING, 'output').properties.open_amount_usd!.type = ['number', 'null']),
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.output.properties.open_amount_usd.type`,
        'output-widened',
        `may now return values of type null: ${WIDE_OUT}`,
      ),
    ],
  },
  {
    name: 'output made optional',
    edit: (_, schema) => {
      const out = schema(BILLING, 'output');
      out.required = out.required.filter((r) => r !== 'recommended_next_action');
    },
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.output.required`,
        'output-now-optional',
        'output field "recommended_next_action" may now be absent: clients that read it may fail',
      ),
    ],
  },
  {
    name: 'output narrowed (a union option dropped)',
    edit: (_, schema) => {
      const field = schema(BILLING, 'output').properties.latest_invoice!;
      field.anyOf = [(field.anyOf as unknown[])[0]];
    },
    expected: [
      safe(
        BILLING,
        `tools.${BILLING}.output.properties.latest_invoice.anyOf[1]`,
        'output-narrowed',
        'no longer returns values of type null: the output only gets more specific',
      ),
    ],
  },
  {
    name: 'new output field',
    edit: (_, schema) => (schema(BILLING, 'output').properties.currency = { type: 'string' }),
    expected: [
      safe(
        BILLING,
        `tools.${BILLING}.output.properties.currency`,
        'output-field-added',
        'new output field "currency": clients can ignore it',
      ),
    ],
  },
  {
    name: 'read → write (kind)',
    edit: (s) => {
      s.tools[STATUS]!.kind = 'action';
      s.tools[STATUS]!.annotations.readOnlyHint = false;
    },
    expected: [
      breaking(
        STATUS,
        `tools.${STATUS}.kind`,
        'read-to-write',
        'kind changed from read to action: the tool now writes',
      ),
    ],
  },
  {
    name: 'read → write (readOnlyHint alone)',
    edit: (s) => (s.tools[STATUS]!.annotations.readOnlyHint = false),
    expected: [
      breaking(
        STATUS,
        `tools.${STATUS}.annotations.readOnlyHint`,
        'read-to-write',
        'readOnlyHint changed from true to false: clients that act on the hint without asking may now do harm',
      ),
    ],
  },
  {
    name: 'MCP hints: toward danger breaking, toward safety safe',
    edit: (s) => {
      s.tools[STATUS]!.annotations.idempotentHint = false;
      s.tools.append_account_note!.annotations.idempotentHint = true;
    },
    expected: [
      breaking(
        STATUS,
        `tools.${STATUS}.annotations.idempotentHint`,
        'hint-changed',
        'idempotentHint changed from true to false: clients that act on the hint without asking may now do harm',
      ),
      safe(
        'append_account_note',
        'tools.append_account_note.annotations.idempotentHint',
        'hint-changed',
        'idempotentHint changed from false to true',
      ),
    ],
  },
  {
    name: 'action → read loses its draft flow and its rollback',
    edit: (s) => {
      const tool = s.tools[REFUND]!;
      Object.assign(tool, { kind: 'read', risk: null, rollback: null });
      tool.annotations.readOnlyHint = true;
    },
    expected: [
      breaking(
        REFUND,
        `tools.${REFUND}.kind`,
        'kind-changed',
        'kind changed from action to read: clients that follow its draft flow break',
      ),
      breaking(
        REFUND,
        `tools.${REFUND}.rollback`,
        'rollback-removed',
        'rollback removed: approved writes can no longer be undone',
      ),
      safe(
        REFUND,
        `tools.${REFUND}.annotations.readOnlyHint`,
        'hint-changed',
        'readOnlyHint changed from false to true',
      ),
      safe(REFUND, `tools.${REFUND}.risk`, 'risk-lowered', 'risk changed from "high" to none'),
    ],
  },
  {
    name: 'scope added and scope removed',
    edit: (s) => (s.tools[BILLING]!.scopes = ['billing:read:all']),
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.scopes`,
        'scope-added',
        'scope "billing:read:all" now required: callers granted the old scopes are denied',
      ),
      breaking(
        BILLING,
        `tools.${BILLING}.scopes`,
        'scope-removed',
        `scope "${golden.tools[BILLING]!.scopes[0]}" no longer required: callers without it may now call`,
      ),
    ],
  },
  {
    name: 'first role added',
    edit: (s) => (s.tools[BILLING]!.roles = ['billing_agent']),
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.roles`,
        'role-added',
        'role "billing_agent" now required: callers without it are denied',
      ),
    ],
  },
  {
    name: 'rollback removed',
    edit: (s) => (s.tools[REFUND]!.rollback = { available: false, description: null }),
    expected: [
      breaking(
        REFUND,
        `tools.${REFUND}.rollback`,
        'rollback-removed',
        'rollback removed: approved writes can no longer be undone',
      ),
    ],
  },
  {
    name: 'risk raised',
    edit: (s) => (s.tools.append_account_note!.risk = 'medium'),
    expected: [
      breaking(
        'append_account_note',
        'tools.append_account_note.risk',
        'risk-raised',
        'risk changed from "low" to "medium": drafts may need more approval and take longer',
      ),
    ],
  },
  {
    name: 'limits lowered (result size, rate)',
    edit: (s) => {
      s.tools[BILLING]!.limits.maxResultBytes = 1_024;
      s.tools[BILLING]!.limits.rate.perMinute = 60;
    },
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.limits.maxResultBytes`,
        'limit-lowered',
        'maxResultBytes lowered from 2048 to 1024: calls that fit before may be refused, cut, throttled or time out',
      ),
      breaking(
        BILLING,
        `tools.${BILLING}.limits.rate.perMinute`,
        'limit-lowered',
        'rate.perMinute lowered from 120 to 60: calls that fit before may be refused, cut, throttled or time out',
      ),
    ],
  },
  {
    name: 'limit raised',
    edit: (s) => (s.tools[BILLING]!.limits.timeoutMs = 20_000),
    expected: [
      breaking(
        BILLING,
        `tools.${BILLING}.limits.timeoutMs`,
        'limit-raised',
        'timeoutMs raised from 10000 to 20000: the guard it sets is looser',
      ),
    ],
  },
  {
    name: 'tool and field descriptions changed',
    edit: (s, schema) => {
      s.tools[STATUS]!.description = 'Look up a draft.';
      schema(STATUS, 'input').properties.draft_id!.description = 'A draft id';
    },
    expected: [
      safe(
        STATUS,
        `tools.${STATUS}.description`,
        'description-changed',
        `description changed from ${JSON.stringify(golden.tools[STATUS]!.description)} to "Look up a draft."`,
      ),
      safe(
        STATUS,
        `tools.${STATUS}.input.properties.draft_id.description`,
        'description-changed',
        'description changed from "The draft_id an action tool returned" to "A draft id"',
      ),
    ],
  },
  {
    name: 'tool taken out of a client toolset',
    edit: (s) => (s.toolsets.api_connector = s.toolsets.api_connector!.filter((t) => t !== SEARCH)),
    expected: [
      breaking(
        SEARCH,
        'toolsets.api_connector',
        'toolset-tool-removed',
        `tool "${SEARCH}" no longer offered to client "api_connector": its calls to it fail`,
      ),
    ],
  },
  {
    name: 'a write offered to one more client (a guard loosened: it can now call it)',
    edit: (s) => s.toolsets.api_connector!.push(REFUND),
    expected: [
      breaking(
        REFUND,
        'toolsets.api_connector',
        'toolset-tool-added',
        `tool "${REFUND}" now offered to client "api_connector": it can call it`,
      ),
    ],
  },
  {
    name: 'a keyword the diff does not understand',
    edit: (_, schema) => (schema(SEARCH, 'input').properties.query!.not = { const: 'drop table' }),
    expected: [
      breaking(
        SEARCH,
        `tools.${SEARCH}.input.properties.query.not`,
        'unclassified',
        '"not" changed in a way the diff cannot classify: review it by hand',
      ),
    ],
  },
];

describe('each kind of change is classified, with its reason and path', () => {
  for (const { name, edit, expected } of CASES) {
    it(name, () => {
      expect(changed(edit)).toEqual(expected);
    });
  }
});

// Roles are any-of, so which way a role edit cuts depends on the roles already there.
describe('role changes follow any-of semantics', () => {
  const twoRoles = structuredClone(golden);
  twoRoles.tools[BILLING]!.roles = ['agent', 'lead'];
  const path = `tools.${BILLING}.roles`;

  it('another role added to a list widens access: breaking (a guard loosened)', () => {
    expect(changed((s) => s.tools[BILLING]!.roles.push('supervisor'), twoRoles)).toEqual([
      breaking(
        BILLING,
        path,
        'role-added',
        'role "supervisor" added: any one of the roles suffices, so more callers are allowed',
      ),
    ]);
  });

  it('one of several roles removed denies its holders: breaking', () => {
    expect(changed((s) => (s.tools[BILLING]!.roles = ['agent']), twoRoles)).toEqual([
      breaking(BILLING, path, 'role-removed', 'role "lead" removed: callers who hold only that role are denied'),
    ]);
  });

  it('every role removed lifts the restriction: breaking (a guard loosened)', () => {
    expect(changed((s) => (s.tools[BILLING]!.roles = []), twoRoles)).toEqual([
      breaking(BILLING, path, 'role-removed', 'role "agent" removed: the tool no longer requires a role'),
      breaking(BILLING, path, 'role-removed', 'role "lead" removed: the tool no longer requires a role'),
    ]);
  });
});
