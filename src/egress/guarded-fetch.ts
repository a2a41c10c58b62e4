import { DEFAULT_LIMITS } from '../contract/default-limits.js';
import { ToolgateError } from '../errors/toolgate-error.js';
import { parseIp } from './address.js';
import { matchHost, type Allowlist } from './allowlist.js';
import { sendHop, type BodyCap, type Hop } from './http-hop.js';
import { systemResolver, usableAddresses, type Resolver } from './resolve.js';
import { targetOf } from './target.js';
import { untilAborted } from '../util/abort.js';

/** What handlers get as `ctx.fetch`: fetch's shape, limited to the tool's egress allowlist. */
export type EgressFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** One refused request, as the audit keeps it: the host and port, never the path or query. */
export interface EgressDenial {
  readonly host: string;
  readonly why: string;
}

export interface GuardOptions {
  readonly allowlist: Allowlist;
  /** Who is asking, for the error detail (`get_invoice (credentials billing_read)`). */
  readonly owner: string;
  /** Aborts every request (the call's deadline); combined with the caller's own `init.signal`. */
  readonly signal?: AbortSignal;
  /** Awaited before the refusal is thrown, so the record exists whatever the handler does with the error. */
  readonly onDenied?: (denial: EgressDenial) => void | Promise<void>;
  /**
   * Largest response body, in bytes after decompression, a handler may read (the tool's
   * `limits.maxFetchBytes`; default 10 MiB). Beyond it the fetch or the read fails with
   * `result_too_large`.
   */
  readonly maxBodyBytes?: number;
  /** Awaited before a body over the cap fails, so the audit keeps it as it keeps a refusal. */
  readonly onTooLarge?: (overrun: EgressDenial) => void | Promise<void>;
  readonly resolve?: Resolver;
}

export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers the guard sets itself, or that could point the request elsewhere (Host). */
const DROPPED = ['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade'];
/**
 * The only headers carried to another origin on a redirect. fetch drops just Authorization (and
 * cookies); a credential in any other header (`x-api-key`, a vendor's token header) went to the
 * next host, which the README's "credentials dropped across origins" does not allow. Everything
 * not listed here stays with the origin it was sent to.
 */
const CROSS_ORIGIN_SAFE = new Set([
  'accept',
  'accept-language',
  'content-type',
  'content-encoding',
  'content-language',
  'user-agent',
  'idempotency-key',
]);

/**
 * The HTTP client handlers get. Every request, and every redirect hop (at most five, followed
 * here, never by the HTTP stack), must name a host the allowlist lists, on an allowed port; a
 * name is then resolved and each address checked (loopback, private, link-local, metadata and
 * other special ranges need an IP / CIDR entry of their own) and the connection is pinned to
 * the checked addresses. Anything else is refused with `egress_denied` before a byte is sent.
 */
export function createGuardedFetch(options: GuardOptions): EgressFetch {
  const resolve = options.resolve ?? systemResolver;
  const deny = async (host: string, why: string): Promise<never> => {
    await options.onDenied?.({ host, why });
    throw new ToolgateError('egress_denied', undefined, {
      detail: `egress to ${host} refused for ${options.owner}: ${why}`,
    });
  };

  // Unbounded before: a 300 MB body read with res.text() took the gateway to 1,087 MB RSS and a few
  // such calls at once would exhaust memory (outside probe, 2026-12-07). result_too_large, not an
  // upstream error: retrying gets the same body (so not retryable), asking for less can succeed,
  // and an action that hit it has sent its request, so its outcome stays unknown (reconciliation).
  const maxBytes = options.maxBodyBytes ?? DEFAULT_LIMITS.maxFetchBytes;
  const tooLarge = async (host: string, what: string): Promise<ToolgateError> => {
    const why = `response body ${what} is over the ${sizeText(maxBytes)} ctx.fetch cap`;
    await Promise.resolve(options.onTooLarge?.({ host, why })).catch(() => undefined);
    return new ToolgateError(
      'result_too_large',
      `The service answered with more than the ${sizeText(maxBytes)} this tool may read (limits.maxFetchBytes); narrow the query.`,
      // Starts with `host: why`, as onTooLarge had it, so the audit can tell it is this overrun.
      {
        detail: `${host}: ${why} (${options.owner}); raise limits.maxFetchBytes on the tool, or defaults.maxFetchBytes in the config for every tool`,
      },
    );
  };

  return async (input, init = {}) => {
    // Checked before the Request is built: fetch would reject userinfo with a bare TypeError.
    let url = new URL(input instanceof Request ? input.url : input);
    const initial = targetOf(url);
    if ('refused' in initial) return deny(initial.label, initial.refused);
    const first = new Request(input, init);
    // A Request's own settings count as fetch's do (they were ignored: `redirect: 'error'` on a
    // Request still followed, an aborted Request's signal still sent).
    const signal = combine(options.signal, first.signal);
    const mode = first.redirect;
    signal?.throwIfAborted();
    let hop: Hop = {
      method: first.method,
      headers: stripped(first.headers),
      body: first.body ? new Uint8Array(await first.arrayBuffer()) : null,
    };
    for (let hops = 0; ; hops++) {
      const via = hops > 0 ? ' (reached by a redirect)' : '';
      const target = targetOf(url);
      if ('refused' in target) return deny(target.label, `${target.refused}${via}`);
      if (hops > MAX_REDIRECTS) return deny(target.label, `more than ${MAX_REDIRECTS} redirects`);
      if (!matchHost(options.allowlist, target)) return deny(target.label, `host is not in the allowlist${via}`);
      let addresses = null;
      if (parseIp(target.host) === null) {
        // DNS is checked here and the connection pinned to what passed (see pinnedLookup).
        // Raced against the deadline: a resolver that never answers must not outlive the call.
        const lookup = usableAddresses(options.allowlist, target, resolve).catch((error: unknown) => {
          throw new TypeError('fetch failed', { cause: error });
        });
        const { usable, refused } = await (signal ? Promise.race([lookup, untilAborted(signal)]) : lookup);
        if (usable.length === 0)
          return deny(target.label, `resolves only to unlisted special addresses: ${refused.join(', ')}${via}`);
        addresses = usable;
      }
      const label = target.label;
      const cap: BodyCap = { bytes: maxBytes, exceeded: () => tooLarge(label, 'as read') };
      const response = await sendHop(target, hop, addresses, signal, cap);
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null || mode === 'manual') {
        // A declared length over the cap fails here, before the handler reads (or buffers) a byte.
        const declared = Number(response.headers.get('content-length') ?? NaN);
        if (response.body && declared > maxBytes) {
          await response.body.cancel();
          throw await tooLarge(label, `of ${declared} bytes (Content-Length)`);
        }
        // fetch's own flag for an answer reached by following a redirect; a built Response has it false.
        if (hops > 0) Object.defineProperty(response, 'redirected', { value: true });
        return response;
      }
      await response.body?.cancel();
      const next = new URL(location, url);
      if (mode === 'error')
        throw new TypeError('fetch failed', { cause: new Error(`redirect to ${targetOf(next).label}`) });
      hop = redirected(hop, response.status, url, next);
      url = next;
    }
  };
}

/** The next hop after a redirect, as fetch builds it: 303 (and 301/302 after POST) become GET. */
function redirected(hop: Hop, status: number, from: URL, to: URL): Hop {
  const headers = new Headers(hop.headers);
  if (from.origin !== to.origin)
    for (const name of [...headers.keys()]) if (!CROSS_ORIGIN_SAFE.has(name)) headers.delete(name);
  const toGet = status === 303 ? hop.method !== 'HEAD' : (status === 301 || status === 302) && hop.method === 'POST';
  if (!toGet) return { ...hop, headers };
  for (const name of ['content-type', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
  return { method: 'GET', headers, body: null };
}

function stripped(headers: Headers): Headers {
  const copy = new Headers(headers);
  for (const name of DROPPED) copy.delete(name);
  return copy;
}

/** `10 MiB`, `512 KiB` or `1000 bytes`: the cap as a person set it. */
function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a || !b) return a ?? b;
  return AbortSignal.any([a, b]);
}
