import type { Logger } from 'pino';
import { createGateway, type Gateway } from '../gateway/create-gateway.js';
import type { Store } from '../store/types.js';
import type { ToolgateConfig } from './define-config.js';

/** The gateway a config describes, on a given store: one place that maps config fields to options. */
export function gatewayFromConfig(
  config: ToolgateConfig,
  store: Store,
  extra: {
    logger?: Logger;
    cursorKey?: string | undefined;
    publicUrl?: string | null;
    /** TOOLGATE_AUDIT_KEY, masked like the other keys wherever the gateway is built. */
    auditKey?: string | undefined;
  } = {},
): Gateway {
  const publicUrl = extra.publicUrl ?? config.publicUrl;
  // The gateway's own inbound tokens and keys are secrets too: one pasted into an argument or
  // echoed by a handler is masked. Listed here, not by each command: `stdio` and `approvals`
  // built their gateways without the keys and let them through (outside probe, 2026-12-07).
  const secrets = [
    ...(config.server?.tokens ?? []).map((t) => t.token),
    extra.auditKey,
    extra.cursorKey,
    config.auth?.introspection?.clientSecret,
    config.console?.oidc?.clientSecret,
  ].filter((secret): secret is string => typeof secret === 'string');
  return createGateway({
    tools: config.tools,
    store,
    ...(config.toolsets ? { toolsets: config.toolsets } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.egress ? { egress: config.egress } : {}),
    readOnly: config.readOnly === true,
    ...(config.defaults ? { defaults: config.defaults } : {}),
    ...(extra.logger ? { logger: extra.logger } : {}),
    ...(extra.cursorKey ? { cursorKey: extra.cursorKey } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    secrets,
  });
}
