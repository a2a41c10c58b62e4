import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Authenticator } from '../auth/authenticator.js';
import type { Authenticated, StaticTokenLookup } from '../auth/static-tokens.js';
import type { ConsoleConfig } from '../console/oidc/oidc-config.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { Store } from '../store/types.js';

/** What the HTTP app and its routes are built from; its own file so routes never import the app. */
export interface HttpAppOptions {
  readonly gateway: Gateway;
  readonly store: Store;
  /** Static-token lookup only (console token sign-in). */
  readonly authenticate: StaticTokenLookup;
  /** Every credential kind (static, JWT, introspection) for /mcp and /api; see src/auth/authenticator.ts. */
  readonly authenticator: Authenticator;
  /** Caller for requests that send no Authorization header at all (loopback development only). */
  readonly anonymous?: Authenticated | undefined;
  /** Host names accepted in `Host` on every route (DNS-rebinding protection). */
  readonly allowedHosts: readonly string[];
  /** Browser origins accepted: full origins, or bare host names meaning this server's own port. */
  readonly allowedOrigins: readonly string[];
  /** The port the server listens on (known after listen), for bare-host origin entries. */
  readonly port: () => number;
  /** The `console` config block (OIDC sign-in, token sign-in, session lifetime). */
  readonly console?: ConsoleConfig | undefined;
  /** The configured public URL; an https one makes console cookies Secure. */
  readonly publicUrl: string | null;
  /** Honour X-Forwarded-For / X-Forwarded-Proto (only behind a proxy you run). */
  readonly trustProxy: boolean;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly metrics: Registry;
}
