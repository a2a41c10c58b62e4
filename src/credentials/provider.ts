/**
 * Server-side credentials (R15). A tool names the credentials it needs; the provider resolves a
 * name to a secret for the current environment. The gateway also asks for every value it holds
 * so redaction can mask them in any result or error, whatever a handler returns.
 */
export interface CredentialProvider {
  /** The secret for `name` in the current environment, or undefined if none is configured. */
  get(name: string): string | undefined;
  /** Every secret value this provider can hand out (for masking). */
  values(): readonly string[];
  /** Where `name`'s value is read from, for messages about a missing one (never the value). */
  source?(name: string): string | undefined;
}

/** " (set VAR)" where the provider says where a credential comes from; "" where it does not. */
export function whereToSet(provider: CredentialProvider, name: string): string {
  const source = provider.source?.(name);
  return source ? ` (set ${source})` : '';
}

/**
 * Reads credentials from environment variables: `{ acme_billing_read: 'ACME_BILLING_READ_TOKEN' }`.
 * Per-environment separation comes from giving each environment its own variables (or process).
 */
export function envCredentials(
  names: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): CredentialProvider {
  return {
    get: (name) => {
      const variable = names[name];
      return variable === undefined ? undefined : env[variable] || undefined;
    },
    values: () => Object.values(names).flatMap((variable) => (env[variable] ? [env[variable]] : [])),
    source: (name) => names[name],
  };
}

/** Fixed values, chosen by environment: `{ development: { acme_read: '…' }, production: {…} }`. */
export function staticCredentials(
  byEnvironment: Readonly<Record<string, Readonly<Record<string, string>>>>,
  environment: string,
): CredentialProvider {
  const current = byEnvironment[environment] ?? {};
  return {
    get: (name) => current[name],
    values: () => Object.values(current),
  };
}

export const noCredentials: CredentialProvider = { get: () => undefined, values: () => [] };
