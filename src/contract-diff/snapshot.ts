import type { ToolgateConfig } from '../config/define-config.js';
import { limitsFor } from '../contract/default-limits.js';
import type { AnyTool } from '../contract/types.js';
import { canonicalJson, sortKeys } from './canonical-json.js';
import { FORMAT_VERSION, type ContractSnapshot, type ToolContract, type ToolGuards } from './snapshot-format.js';

/**
 * The served contract of a config: what each client is offered and, per tool, everything a
 * client or reviewer relies on. Derived only from the tool definitions (never from a running
 * gateway) and free of timestamps, so the same config always gives the same snapshot.
 */
export function snapshotOf(
  config: Pick<ToolgateConfig, 'tools' | 'toolsets' | 'defaults' | 'egress'>,
): ContractSnapshot {
  const tools: Record<string, ToolContract> = {};
  for (const tool of config.tools) {
    if (tools[tool.name]) throw new TypeError(`Two tools are named "${tool.name}"; tool names must be unique.`);
    tools[tool.name] = toolContract(tool, config);
  }
  // Without toolsets every client sees every tool: the same thing as a `*` toolset of all tools,
  // so adding toolsets later diffs as "client X lost tool Y" rather than as an unrelated shape change.
  const source = config.toolsets ?? { '*': config.tools.map((t) => t.name) };
  const toolsets: Record<string, string[]> = {};
  for (const [client, names] of Object.entries(source)) toolsets[client] = [...new Set(names)].sort();
  // Sorted in memory too, so a fresh snapshot and one read back from its file are the same data.
  return sortKeys({ formatVersion: FORMAT_VERSION, toolsets, tools }) as ContractSnapshot;
}

/** The file's text: canonical JSON (sorted keys, stable bytes), ready to commit. */
export function snapshotText(snapshot: ContractSnapshot): string {
  return canonicalJson(snapshot);
}

function toolContract(tool: AnyTool, config: Pick<ToolgateConfig, 'defaults' | 'egress'>): ToolContract {
  const action = tool.action;
  return {
    title: tool.title ?? null,
    description: tool.description,
    kind: tool.kind,
    annotations: { ...tool.annotations },
    // Scopes are all-of and roles any-of: sets, so sorted to keep reordering out of the diff.
    scopes: [...tool.scopes].sort(),
    roles: [...(tool.roles ?? [])].sort(),
    risk: action?.risk ?? null,
    rollback: action
      ? { available: action.rollback !== undefined, description: action.rollback?.description ?? null }
      : null,
    limits: contractLimits(tool, config),
    guards: guardsOf(tool, config.egress ?? {}),
    // Plain copies (sortKeys rebuilds every object): the definitions are frozen and shared.
    input: sortKeys(tool.inputJsonSchema) as Record<string, unknown>,
    output: sortKeys(tool.outputJsonSchema) as Record<string, unknown>,
  };
}

/**
 * The limits a caller meets. maxFetchBytes is left out: it bounds what the handler reads from its
 * own service, not what callers send or get, and leaving it out keeps format 1 snapshots unchanged.
 */
function contractLimits(tool: AnyTool, config: Pick<ToolgateConfig, 'defaults'>): ToolContract['limits'] {
  const { maxFetchBytes: _notInContract, ...limits } = limitsFor(tool.limits, config.defaults);
  return limits;
}

/** What the gateway guards for a tool, so loosening any of it shows in review (see guards-diff.ts). */
function guardsOf(tool: AnyTool, egress: NonNullable<ToolgateConfig['egress']>): ToolGuards {
  const action = tool.action;
  const credentials = sorted([...(tool.credentials ?? []), ...(action?.credentials ?? [])]);
  return {
    tenant: tool.tenant === 'caller' ? 'caller' : 'owner-lookup',
    untrusted: sorted((tool.untrusted ?? []).map((spec) => spec.field)),
    allowPii: sorted(tool.allowPii ?? []),
    credentials,
    egress: sorted(credentials.flatMap((name) => (Object.hasOwn(egress, name) ? (egress[name] ?? []) : []))),
    approval: action
      ? {
          roles: sorted(action.approval.roles),
          approvers: action.approval.approvers,
          allowSelfApproval: action.approval.allowSelfApproval,
          autoApprove: action.approval.autoApprove,
          expiresInMs: action.approval.expiresInMs,
          // JSON has no Infinity: null is "no limit".
          maxWaitingPerCaller: finiteOrNull(action.approval.maxWaitingPerCaller),
          maxWaitingPerTenant: finiteOrNull(action.approval.maxWaitingPerTenant),
        }
      : null,
  };
}

const finiteOrNull = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : null);

/** A set as a sorted list without repeats: reordering a config is not a change. */
const sorted = (values: readonly string[]) => [...new Set(values)].sort();
