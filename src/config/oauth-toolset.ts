import type { AnyTool } from '../contract/types.js';
import { oauthClientOf } from '../auth/auth-config.js';
import type { ToolgateConfig } from './define-config.js';

/**
 * The tools OAuth callers get, resolved as the gateway resolves any client's toolset: the client's
 * own list, else `'*'`, else none; every tool when no toolsets are configured. Their scopes are
 * what the resource metadata offers by default (see resourceServerSettings).
 */
export function oauthTools(config: Pick<ToolgateConfig, 'auth' | 'toolsets' | 'tools'>): AnyTool[] {
  if (!config.toolsets) return [...config.tools];
  const names = new Set(config.toolsets[oauthClientOf(config.auth)] ?? config.toolsets['*'] ?? []);
  return config.tools.filter((tool) => names.has(tool.name));
}
