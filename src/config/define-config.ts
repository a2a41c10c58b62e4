import type { AuthConfig } from '../auth/auth-config.js';
import type { Principal } from '../auth/principal.js';
import type { StaticToken } from '../auth/static-tokens.js';
import type { ConsoleConfig } from '../console/oidc/oidc-config.js';
import type { AnyTool, ToolLimits } from '../contract/types.js';
import type { CredentialProvider } from '../credentials/provider.js';
import type { EgressConfig } from '../egress/egress-config.js';

/**
 * What `toolgate.config.ts` exports: the toolset and how to serve it. Every field that differs
 * per environment (ports, paths, tokens) can be overridden by environment variables; secrets
 * should only ever come from the environment.
 */
export interface ToolgateConfig {
  readonly tools: readonly AnyTool[];
  readonly toolsets?: Readonly<Record<string, readonly string[]>>;
  readonly credentials?: CredentialProvider;
  /**
   * Egress allowlist per credential name: the hosts a handler holding that credential may reach
   * through `ctx.fetch` (and an action's execute / verify / rollback). Entries: `host` (ports
   * 80/443), `host:8443`, `host:*`, `*.suffix`, an IP or a CIDR (`10.0.0.0/8:443`). A tool may
   * reach the union of its credentials' hosts; a credential without an entry reaches nothing.
   * Loopback, private, link-local (169.254/16 metadata) and other special addresses are refused,
   * even behind a listed name, unless an IP / CIDR entry names them. Redirects are re-checked.
   */
  readonly egress?: EgressConfig;
  /**
   * Switch every write action off while a team pilots reads (issue #16): actions are not listed on
   * any route, a call to one is refused and audited, and waiting drafts cannot be executed.
   * `--read-only` on serve/stdio or env TOOLGATE_READ_ONLY=true turns it on as well.
   */
  readonly readOnly?: boolean;
  readonly defaults?: ToolLimits;
  /** SQLite file or `postgres://…` URL (env TOOLGATE_DATABASE_URL or TOOLGATE_DB wins). Default `.toolgate/toolgate.db`. */
  readonly database?: string;
  /**
   * The URL people and clients use to reach this gateway, e.g. https://toolgate.example.com
   * (env TOOLGATE_PUBLIC_URL wins). Drafts link to `<publicUrl>/console/drafts/<id>`.
   */
  readonly publicUrl?: string;
  readonly server?: {
    /** env PORT wins. Default 8787. */
    readonly port?: number;
    /** env HOST wins. Default 127.0.0.1. */
    readonly host?: string;
    /** Hostnames accepted in Host (env TOOLGATE_ALLOWED_HOSTS, comma-separated). Default localhost only. */
    readonly allowedHosts?: readonly string[];
    /** Origin hostnames accepted from browsers (env TOOLGATE_ALLOWED_ORIGINS). Default localhost only. */
    readonly allowedOrigins?: readonly string[];
    /** Honour X-Forwarded-For / X-Forwarded-Proto (env TOOLGATE_TRUST_PROXY=true). Only behind your own proxy. */
    readonly trustProxy?: boolean;
    /** On SIGTERM, how long in-flight requests may take before their sockets are closed. Default 10 s. */
    readonly drainMs?: number;
    /**
     * Serve the common stateless MCP requests on a node:http fast path (env TOOLGATE_FAST_PATH=off
     * turns it off). Default true; everything else always goes through the official SDK.
     */
    readonly fastPath?: boolean;
    /** Largest request body on any route. Default 1 MiB. */
    readonly maxBodyBytes?: number;
    /** Open connections at most; more are refused. Default 4096. */
    readonly maxConnections?: number;
    /** How long a new connection may stay silent before sending a request. Default 10 s. */
    readonly firstRequestMs?: number;
    /**
     * Open connections from one peer address (an IPv6 peer by its /64) at most. Default 256, and
     * none with TOOLGATE_TRUST_PROXY: behind a proxy every connection is the proxy's.
     */
    readonly maxConnectionsPerAddress?: number;
    /** Static bearer tokens (development, stdio, service accounts); work beside `auth`. */
    readonly tokens?: readonly StaticToken[];
    /**
     * Who a request without any Authorization header acts as. For local development and
     * conformance runs only: the server refuses to start with it unless it listens on loopback.
     */
    readonly anonymous?: { readonly principal: Principal; readonly client: string };
  };
  /**
   * OAuth 2.1 resource server (issue #12): accept JWT access tokens (verified against the
   * issuer's JWKS) and/or opaque tokens (RFC 7662 introspection) besides `server.tokens`, and
   * serve RFC 9728 metadata so MCP clients (Claude.ai, Claude Desktop) can find the IdP.
   */
  readonly auth?: AuthConfig;
  /**
   * The approvals console (issue #12): `oidc` signs approvers in through the company's IdP
   * (authorization code + PKCE); approver-token sign-in stays on for development unless turned off.
   */
  readonly console?: ConsoleConfig;
  /** People who may decide drafts from the CLI (`toolgate approvals approve ID --as ACTOR`). */
  readonly approvers?: readonly Principal[];
  /** Who the local stdio server acts as (Claude Code on a developer's machine). */
  readonly stdio?: { readonly principal: Principal; readonly client: string };
}

/** Identity function that gives config files type checking and completion. */
export function defineConfig(config: ToolgateConfig): ToolgateConfig {
  return config;
}
