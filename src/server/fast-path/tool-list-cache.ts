import type { Tool } from '@modelcontextprotocol/server';
import type { Principal } from '../../auth/principal.js';
import type { Gateway } from '../../gateway/create-gateway.js';
import { descriptorToMcpTool } from '../../surfaces/mcp/translate.js';
import { withModernFields } from './modern-result.js';

/**
 * `tools/list` depends only on the client's toolset and the caller's scopes and roles, all fixed
 * for the life of the process, so each distinct (client, scopes, roles) answer is built once. Bounded: a JWT
 * deployment with many scope combinations keeps at most `maxEntries`, dropping the oldest.
 */
export function toolListCache(gateway: Gateway, maxEntries = 1_000) {
  // The answer is kept serialised: a list with its schemas is a few KB of JSON per request.
  // One map per protocol era: the same (client, scopes, roles) key, a different answer.
  const caches = { legacy: new Map<string, string>(), modern: new Map<string, string>() };
  // Static-token callers present the same principal object every time: skip building the key.
  const keys = new WeakMap<Pick<Principal, 'scopes' | 'roles'>, Map<string, string>>();
  const keyOf = (client: string, principal: Pick<Principal, 'scopes' | 'roles'>): string => {
    let byClient = keys.get(principal);
    if (!byClient) keys.set(principal, (byClient = new Map()));
    let key = byClient.get(client);
    if (key === undefined)
      byClient.set(client, (key = JSON.stringify([client, [...principal.scopes].sort(), [...principal.roles].sort()])));
    return key;
  };
  return {
    /** The `tools/list` result as JSON text, for a 2025-era or a 2026-07-28 (`modern`) request. */
    listFor(client: string, principal: Pick<Principal, 'scopes' | 'roles'>, modern = false): string {
      const cache = modern ? caches.modern : caches.legacy;
      const key = keyOf(client, principal);
      let answer = cache.get(key);
      if (answer === undefined) {
        const tools: Tool[] = gateway.listTools(client, principal).map(descriptorToMcpTool);
        // 2026-07-28 (the SDK's encodeResult): no cache hints configured, so ttlMs 0 and private.
        answer = JSON.stringify(modern ? withModernFields({ tools, ttlMs: 0, cacheScope: 'private' }) : { tools });
        cache.set(key, answer);
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      }
      return answer;
    },
  };
}
