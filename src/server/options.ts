import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Authenticated } from '../auth/static-tokens.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { Store } from '../store/types.js';

/** What the HTTP app and its routes are built from; its own file so routes never import the app. */
export interface HttpAppOptions {
  readonly gateway: Gateway;
  readonly store: Store;
  readonly authenticate: (authorization: string | undefined) => Authenticated | null;
  /** Caller for requests that send no Authorization header at all (loopback development only). */
  readonly anonymous?: Authenticated | undefined;
  /** Hostnames accepted in `Host` (DNS-rebinding protection) and Origin hostnames accepted from browsers. */
  readonly allowedHosts: readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly metrics: Registry;
}
