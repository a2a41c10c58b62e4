/**
 * DNS-rebinding and cross-site protection for every route, not only /mcp (issue #13, item 8).
 *
 * MCP transports spec (Streamable HTTP, "Security Warning"): "Servers MUST validate the Origin
 * header on all incoming connections to prevent DNS rebinding attacks." The Host check keeps a
 * rebinding page (evil.example resolving to 127.0.0.1) out even when a browser sends no Origin.
 *
 * Framework-free: the Hono app and a node:http fast path call the same function.
 */
export interface EdgeRejection {
  readonly status: number;
  /** `{ error, message }`, or on /mcp a JSON-RPC error where the SDK path answers one. */
  readonly body: Readonly<Record<string, unknown>>;
}

export interface HostOriginPolicy {
  /** Host names accepted in `Host` (no port), e.g. `localhost`, `toolgate.example.com`. */
  readonly allowedHosts: readonly string[];
  /**
   * Browser origins accepted in `Origin`. A full origin (`https://app.example.com`) must match
   * exactly: scheme, host and port. A bare host name stands for that host on this server's own
   * port, so another local app (`http://127.0.0.1:6666`) never passes for the gateway.
   */
  readonly allowedOrigins: readonly string[];
  /** The port this server listens on, for bare-host origin entries. */
  readonly port: number;
}

/**
 * `host` is every Host line of the request, joined with ", " as fetch's Headers joins repeated
 * lines (both paths pass it so); `origin` likewise, or its first line.
 */
export function checkHostAndOrigin(
  host: string | undefined,
  origin: string | undefined,
  policy: HostOriginPolicy,
): EdgeRejection | null {
  // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any request
  // message that lacks a Host header field and to any request message that contains more than one
  // Host header field line or a Host header field with an invalid field value." The check below
  // took the text before the first ':' alone, so the fast path served `127.0.0.1:x@evil.example`
  // and two Host lines, which the SDK path refused (an outside differential probe); a first line
  // with a port (`127.0.0.1:8787, evil.example`) passed on both.
  const value = host?.trim();
  if (!value || !validHost(value)) return badHost(host);
  const hostname = hostnameOf(value);
  if (!lowerCased(policy.allowedHosts).has(hostname)) {
    return reject(`Host "${host ?? ''}" is not served here; set TOOLGATE_ALLOWED_HOSTS to add it.`);
  }
  if (origin === undefined) return null; // not a browser: Host already checked
  if (!originAllowed(origin, policy)) {
    return reject(`Origin "${origin}" is not allowed; set TOOLGATE_ALLOWED_ORIGINS to a full origin to add it.`);
  }
  return null;
}

function originAllowed(origin: string, policy: HostOriginPolicy): boolean {
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    return false; // "null" (sandboxed frames, file://) and garbage are never allowed
  }
  return policy.allowedOrigins.some((entry) => {
    if (entry.includes('://')) {
      try {
        return new URL(entry).origin === given.origin;
      } catch {
        return false;
      }
    }
    const port = given.port || (given.protocol === 'https:' ? '443' : '80');
    return hostnameOf(entry) === given.hostname.toLowerCase() && Number(port) === policy.port;
  });
}

// Host lists are fixed at start-up; lower-case each once, not on every request.
const lowered = new WeakMap<readonly string[], ReadonlySet<string>>();
function lowerCased(list: readonly string[]): ReadonlySet<string> {
  let set = lowered.get(list);
  if (!set) lowered.set(list, (set = new Set(list.map((h) => h.toLowerCase()))));
  return set;
}

/** `example.com:8787` → `example.com`; `[::1]:8787` → `[::1]`. */
function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon); // no split(): this runs on every request
}

const reject = (message: string): EdgeRejection => ({ status: 403, body: { error: 'forbidden', message } });

/**
 * RFC 9110 §7.2, Host = uri-host [ ":" port ], uri-host from RFC 3986: an IP literal in brackets
 * or a reg-name (unreserved, percent-encoded, sub-delims). No space, `@`, `/` or second `:`, so no
 * repeated line (joined with ", ") and no userinfo or path ever gets as far as the allow-list.
 * A port, when there is a colon, is 1–5 digits up to 65535.
 */
const HOST_SYNTAX = /^(?:\[[0-9a-f:.]+\]|[a-z0-9\-._~!$&'()*+,;=%]+)(?::([0-9]{1,5}))?$/i;

function validHost(value: string): boolean {
  const match = HOST_SYNTAX.exec(value);
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65_535);
}

function badHost(host: string | undefined): EdgeRejection {
  const message =
    host === undefined
      ? 'A Host header is required.'
      : `Host "${host}" is not one host[:port] (one Host line, no user, path or space).`;
  return { status: 400, body: { error: 'invalid_request', message } };
}
