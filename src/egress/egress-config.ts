import { EMPTY_ALLOWLIST, mergeAllowlists, parseAllowlist, type Allowlist } from './allowlist.js';

/** `ToolgateConfig.egress`: credential name → the hosts a handler holding it may reach. */
export type EgressConfig = Readonly<Record<string, readonly string[]>>;

/**
 * Parses every entry once, at startup (a typo fails the boot, naming the credential and the
 * entry), and answers the allowlist of a set of credentials: the union of their entries. A
 * credential without an entry contributes nothing, so a tool whose credentials are unlisted
 * can reach no host at all through `ctx.fetch`.
 */
export function compileEgress(config: EgressConfig | undefined): (credentials: readonly string[]) => Allowlist {
  const byCredential = new Map<string, Allowlist>();
  for (const [credential, entries] of Object.entries(config ?? {})) {
    byCredential.set(credential, parseAllowlist(entries, `egress.${credential}`));
  }
  return (credentials) => {
    const lists = credentials.flatMap((name) => byCredential.get(name) ?? []);
    return lists.length === 0 ? EMPTY_ALLOWLIST : mergeAllowlists(lists);
  };
}
