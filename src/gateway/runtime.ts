import { createHash, randomBytes } from 'node:crypto';
import { createDrafting } from '../actions/drafting.js';
import type { Drafting } from '../pipeline/drafting-capability.js';
import type { AnyTool } from '../contract/types.js';
import { noCredentials } from '../credentials/provider.js';
import { silentLogger } from '../log/logger.js';
import { maskingLogger } from '../log/masking-logger.js';
import { createRepeatingFailureLog } from '../log/repeating-failure.js';
import { reportingAuditFailures } from '../store/audit-failure-report.js';
import type { GatewayRuntime } from '../pipeline/state.js';
import { createSecretMasker } from '../redaction/secrets.js';
import { createBreakers } from '../upstream/circuit-breaker.js';
import { limitsFor } from '../contract/default-limits.js';
import type { GatewayOptions } from './types.js';
import { EMPTY_ALLOWLIST, type Allowlist } from '../egress/allowlist.js';
import { compileEgress } from '../egress/egress-config.js';

/** Turns GatewayOptions into the shared runtime every call uses; checks the toolset once. */
export function buildRuntime(options: GatewayOptions): GatewayRuntime {
  const tools = new Map<string, AnyTool>();
  for (const tool of options.tools) {
    if (tools.has(tool.name)) throw new TypeError(`Two tools are named "${tool.name}"; tool names must be unique.`);
    tools.set(tool.name, tool);
  }
  const toolsetOf = buildToolsets(tools, options.toolsets);
  const credentials = options.credentials ?? noCredentials;

  // Mask every value the provider knows plus any value a handler was actually handed.
  const secrets = new Set([...credentials.values(), ...(options.secrets ?? [])]);
  let masker = createSecretMasker([...secrets]);
  const rememberSecret = (value: string) => {
    if (secrets.has(value)) return;
    secrets.add(value);
    masker = createSecretMasker([...secrets]);
  };

  const limitsCache = new Map<string, ReturnType<typeof limitsFor>>();
  // Parsed once here, so a malformed entry stops the boot instead of failing a call.
  const egressFor = compileEgress(options.egress);
  const egressCache = new Map<string, Allowlist>();

  const cursorKey = options.cursorKey ? createHash('sha256').update(options.cursorKey).digest() : randomBytes(32);

  const runtime: GatewayRuntime = {
    tools,
    toolsetOf,
    // Every audit append through the gateway (calls, approvals, edge refusals) reports its
    // failures once when they start, not once per call.
    store: reportingAuditFailures(
      options.store,
      createRepeatingFailureLog(
        options.logger ?? silentLogger,
        'audit write failed (tool results are withheld until it works again)',
      ),
    ),
    credentials,
    maskSecrets: (text) => masker(text),
    rememberSecret,
    limitsOf: (tool) => {
      let limits = limitsCache.get(tool.name);
      if (!limits) limitsCache.set(tool.name, (limits = limitsFor(tool.limits, options.defaults)));
      return limits;
    },
    // Every log line the runtime, its handlers (ctx.logger) and actions write is masked like a
    // result: the credentials handed out so far and the gateway's own keys.
    logger: maskingLogger(options.logger ?? silentLogger, (text) => masker(text).text),
    cursorKey,
    now: options.now ?? Date.now,
    breakers: createBreakers(options.now ? { now: options.now } : {}),
    drafting: undefined as unknown as Drafting, // set below: drafting needs the runtime itself
    egressOf: (tool) => {
      let list = egressCache.get(tool.name);
      if (!list) {
        // A tool that reads only the gateway's own store has no business on the network.
        list = tool.gatewayDataOnly ? EMPTY_ALLOWLIST : egressFor(tool.credentials ?? []);
        egressCache.set(tool.name, list);
      }
      return list;
    },
    ...(options.egressResolver ? { egressResolver: options.egressResolver } : {}),
    readOnly: options.readOnly === true,
  };
  Object.assign(runtime, { drafting: createDrafting(runtime, options.publicUrl ?? null) });
  warnAboutNewerSchema(options.store.newerSchema, runtime.logger);
  return runtime;
}

/**
 * A store a newer Toolgate migrated is still served: migrations since 0.2 only add, so what this
 * build reads and writes is all there, and refusing would break rolling upgrades and rollbacks.
 * (0.1 predates this: on SQLite 0.2's migration drops its rate table; README "Upgrading from 0.1".) But
 * the operator should know which instance is behind, and that the newer one's additions (a
 * table, a column) are not maintained by this one while it runs.
 */
function warnAboutNewerSchema(newer: GatewayOptions['store']['newerSchema'], logger: GatewayRuntime['logger']): void {
  if (newer.length === 0) return;
  const names = newer.map((m) => `${m.version} (${m.name})`).join(', ');
  logger.warn(
    { newerMigrations: newer.map((m) => m.version) },
    `the database was migrated by a newer Toolgate: migration${newer.length === 1 ? '' : 's'} ${names} ` +
      'unknown to this version. Serving on, since migrations only add; upgrade this instance to match.',
  );
}

function buildToolsets(
  tools: ReadonlyMap<string, AnyTool>,
  toolsets: GatewayOptions['toolsets'],
): (client: string) => ReadonlySet<string> {
  const all = new Set(tools.keys());
  if (!toolsets) return () => all;
  const sets = new Map<string, ReadonlySet<string>>();
  for (const [client, names] of Object.entries(toolsets)) {
    for (const name of names) {
      if (!tools.has(name)) throw new TypeError(`Toolset of client "${client}" names unknown tool "${name}".`);
    }
    sets.set(client, new Set(names));
  }
  const fallback = sets.get('*') ?? new Set<string>();
  return (client) => sets.get(client) ?? fallback;
}
