import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/contract/default-limits.js';
import { parseAllowlist } from '../../src/egress/allowlist.js';
import { createGuardedFetch, type EgressDenial } from '../../src/egress/guarded-fetch.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';
import { startLocalServer, type LocalServer } from './local-server.js';

// Outside probe, 2026-12-07: ctx.fetch read bodies without a bound; a 300 MB answer read with
// res.text() took the gateway to 1,087 MB RSS. These run the guarded fetch against a real server.

const KIB = 1024;
const CAP = 64 * KIB;

let api: LocalServer;
beforeAll(async () => (api = await startLocalServer()));
afterAll(async () => api.close());

function guard(maxBodyBytes?: number) {
  const overruns: EgressDenial[] = [];
  const fetch = createGuardedFetch({
    allowlist: parseAllowlist([`127.0.0.1:${api.port}`]),
    owner: 'test_tool',
    onTooLarge: (o) => void overruns.push(o),
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
  });
  return { fetch, overruns };
}

const big = (bytes: number, as: 'length' | 'chunked' | 'gzip') => `${api.url}/big?bytes=${bytes}&as=${as}`;

async function tooLarge(promise: Promise<unknown>): Promise<ToolgateError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolgateError);
  expect(error).toMatchObject({ code: 'result_too_large', retryable: false });
  return error as ToolgateError;
}

/** The server saw its response cut off: the client closed the connection instead of draining it. */
const released = (path: string) => vi.waitFor(() => expect(api.cutOff).toContain(path), { timeout: 5_000 });

describe('ctx.fetch response body cap', () => {
  it.each(['length', 'chunked', 'gzip'] as const)('reads a %s body at the cap unchanged', async (as) => {
    const { fetch, overruns } = guard(CAP);
    const res = await fetch(big(CAP, as));
    expect(res.status).toBe(200);
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.byteLength).toBe(CAP);
    expect(body[0]).toBe(as === 'gzip' ? 0 : 'x'.charCodeAt(0));
    expect(overruns).toEqual([]);
  });

  it('leaves ordinary answers alone with the default cap', async () => {
    const { fetch } = guard();
    expect(await (await fetch(`${api.url}/ok`)).json()).toEqual({ ok: true });
    expect((await (await fetch(big(2 * 1024 * KIB, 'chunked'))).text()).length).toBe(2 * 1024 * KIB);
  });

  it('refuses a Content-Length over the cap at fetch, names the cap and how to raise it, and releases the connection', async () => {
    const { fetch, overruns } = guard(CAP);
    const url = big(50 * 1024 * KIB, 'length');
    const error = await tooLarge(fetch(url));
    expect(error.message).toContain('64 KiB');
    expect(error.message).toContain('limits.maxFetchBytes');
    expect(error.detail).toMatch(
      new RegExp(
        `^127\\.0\\.0\\.1:${api.port}: response body of 52428800 bytes \\(Content-Length\\) is over the 64 KiB`,
      ),
    );
    expect(error.detail).toContain('defaults.maxFetchBytes');
    expect(error.detail).not.toContain('/big'); // host:port only, as refusals
    expect(overruns).toEqual([
      {
        host: `127.0.0.1:${api.port}`,
        why: 'response body of 52428800 bytes (Content-Length) is over the 64 KiB ctx.fetch cap',
      },
    ]);
    await released(url.slice(api.url.length));
  });

  it('applies the 10 MiB default to a Content-Length', async () => {
    expect(DEFAULT_LIMITS.maxFetchBytes).toBe(10 * 1024 * KIB);
    const { fetch } = guard();
    expect(await (await fetch(big(10 * 1024 * KIB, 'length'))).arrayBuffer()).toHaveProperty(
      'byteLength',
      10 * 1024 * KIB,
    );
    const error = await tooLarge(fetch(big(10 * 1024 * KIB + 1, 'length')));
    expect(error.message).toContain('10 MiB');
  });

  it('fails text() on a chunked body once it crosses the cap, and releases the connection', async () => {
    const { fetch, overruns } = guard(CAP);
    const url = big(50 * 1024 * KIB, 'chunked');
    const res = await fetch(url); // no length to judge by: the read fails instead
    expect(res.status).toBe(200);
    const error = await tooLarge(res.text());
    expect(error.detail).toContain('response body as read is over the 64 KiB ctx.fetch cap');
    expect(overruns).toHaveLength(1);
    await released(url.slice(api.url.length));
  });

  it('fails json() and a body stream reader the same way', async () => {
    const { fetch } = guard(CAP);
    await tooLarge((await fetch(big(CAP + 1, 'chunked'))).json());
    const reader = (await fetch(big(4 * CAP, 'chunked'))).body!.getReader();
    let read = 0;
    const drained = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        read += value.byteLength;
      }
    })();
    await tooLarge(drained);
    expect(read).toBeLessThanOrEqual(CAP); // nothing past the cap reached the handler
  });

  it('counts a gzip body by what it inflates to (a 20 MiB bomb sent as ~20 KB)', async () => {
    const { fetch, overruns } = guard(CAP);
    const url = big(20 * 1024 * KIB, 'gzip');
    const res = await fetch(url);
    expect(Number(res.headers.get('content-length'))).toBeLessThan(CAP); // the wire size passes
    const error = await tooLarge(res.arrayBuffer());
    expect(error.detail).toContain('as read is over the 64 KiB');
    expect(overruns).toHaveLength(1);
  });
});
