import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/define-action.js';
import type { Principal } from '../../src/auth/principal.js';
import { defineTool } from '../../src/contract/define-tool.js';
import type { AnyTool } from '../../src/contract/types.js';
import { staticCredentials } from '../../src/credentials/provider.js';
import { asToolgateError, ToolgateError, upstreamUnavailable } from '../../src/errors/toolgate-error.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { Store } from '../../src/store/types.js';
import { tempSqliteStore } from '../helpers/temp-store.js';
import { startLocalServer, type LocalServer } from './local-server.js';

const agent: Principal = { actorId: 'usr_ada', tenant: 'acme', roles: ['support'], scopes: ['things:read'] };
const lead: Principal = { actorId: 'usr_lead', tenant: 'acme', roles: ['approver'], scopes: [] };
const credentials = staticCredentials({ test: { thing_read: 'thing-read-token', thing_write: 'thing-write' } }, 'test');

// A test-only tool whose URL is built from a model-supplied argument: exactly what egress stops.
const pingHost = defineTool({
  name: 'ping_service',
  description: 'Ping one internal service by host name and report whether it answered.',
  input: z.object({ host: z.string().max(200).describe('host[:port] of the service') }),
  output: z.object({ status: z.number(), source_records: z.array(z.string()) }),
  scopes: ['things:read'],
  tenant: 'caller',
  credentials: ['thing_read'],
  handler: async ({ host }, ctx) => {
    const res = await ctx.fetch(`http://${host}/ok?token=${ctx.credential('thing_read')}`);
    return { status: res.status, source_records: [] };
  },
});

// Catches the refusal and answers as if nothing happened.
const quietPing = defineTool({
  ...pingHost,
  name: 'ping_service_quietly',
  handler: async ({ host }, ctx) => {
    try {
      await ctx.fetch(`http://${host}/ok`);
      return { status: 200, source_records: [] };
    } catch {
      return { status: 0, source_records: [] };
    }
  },
});

// Catches the refusal and rethrows it as something else.
const maskingPing = defineTool({
  ...pingHost,
  name: 'ping_service_masking',
  handler: async ({ host }, ctx) => {
    try {
      await ctx.fetch(`http://${host}/ok`);
    } catch {
      throw upstreamUnavailable('The thing service');
    }
    return { status: 200, source_records: [] };
  },
});

// Declares a listed credential, but says it reads only the gateway's store: so no egress.
const storeOnly = defineTool({
  ...pingHost,
  name: 'ping_from_store_tool',
  gatewayDataOnly: true,
  handler: async ({ host }, ctx) => ({ status: (await ctx.fetch(`http://${host}/ok`)).status, source_records: [] }),
});

let api: LocalServer;
let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => (api = await startLocalServer()));
afterAll(async () => api.close());
beforeEach(async () => ({ store, cleanup } = await tempSqliteStore()));
afterEach(async () => cleanup());

const gatewayWith = (tools: AnyTool[], egress: Record<string, string[]> | undefined): Gateway =>
  createGateway({ tools, store, credentials, ...(egress ? { egress } : {}) });
const call = (gw: Gateway, tool: string, host: string) =>
  gw.call({ tool, args: { host }, principal: agent, client: 'test', surface: 'internal' });
const auditOf = async (auditId: string | null) => (await store.audit.get(auditId ?? ''))!;

describe('ctx.fetch in the pipeline', () => {
  it('reaches a listed host', async () => {
    const gw = gatewayWith([pingHost], { thing_read: [`127.0.0.1:${api.port}`] });
    const result = await call(gw, 'ping_service', `127.0.0.1:${api.port}`);
    expect(result).toMatchObject({ ok: true, structured: { status: 200 } });
    expect((await auditOf(result.auditId)).errorCode).toBeNull();
  });

  it.each([
    ['an unlisted host', 'evil.example', 'evil.example:80'],
    ['the metadata address', '169.254.169.254', '169.254.169.254:80'],
    ['another port of the listed address', '127.0.0.1:1', '127.0.0.1:1'],
    ['the IPv6 loopback', '[::1]', '[::1]:80'],
    ['an IPv4-mapped loopback', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]:80'],
    ['an odd IPv4 spelling', '0x7f.1', '127.0.0.1:80'],
  ])('refuses %s built from a tool argument: egress_denied, audited with the host only', async (_, host, label) => {
    const gw = gatewayWith([pingHost], { thing_read: [`127.0.0.1:${api.port}`] });
    const result = await call(gw, 'ping_service', host);
    expect(result).toMatchObject({ ok: false, error: { code: 'egress_denied', retryable: false } });
    const event = await auditOf(result.auditId);
    expect(event).toMatchObject({ errorCode: 'egress_denied', outcome: 'error' });
    expect(event.reason).toContain(`egress_denied: ${label}: `);
    expect(event.data).toEqual({ egressDenied: [expect.stringContaining(label)] });
    // The query carried the credential: neither it nor the path reaches the audit or the caller.
    expect(JSON.stringify(event)).not.toMatch(/thing-read-token|\/ok/);
    expect(result.text).not.toMatch(/thing-read-token|\/ok/);
  });

  it('a listed service that does not answer is upstream_unavailable and retryable, not internal', async () => {
    // The README's handler shape against a service that was down answered `internal`, "not
    // retryable" (outside probe, 2026-12-07): fetch's network failure now reads as the upstream's.
    const closed = await startLocalServer();
    const port = closed.port;
    await closed.close();
    const gw = gatewayWith([pingHost], { thing_read: [`127.0.0.1:${port}`] });
    const result = await call(gw, 'ping_service', `127.0.0.1:${port}`);
    expect(result).toMatchObject({ ok: false, error: { code: 'upstream_unavailable', retryable: true } });
    expect((await auditOf(result.auditId)).errorCode).toBe('upstream_unavailable');
  });

  it('only a fetch whose service did not answer is upstream_unavailable; other fetch failures stay internal', () => {
    const failed = (cause?: object) => new TypeError('fetch failed', cause ? { cause } : undefined);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])
      expect(asToolgateError(failed({ code })).code, code).toBe('upstream_unavailable');
    // A refused redirect (`redirect: 'error'`), a certificate, a blocked port: not the service's outage (review).
    for (const cause of [
      new Error('redirect to x:80'),
      { code: 'CERT_HAS_EXPIRED' },
      { message: 'bad port' },
      undefined,
    ])
      expect(asToolgateError(failed(cause)).code).toBe('internal');
    expect(asToolgateError(new TypeError('x is not a function')).code).toBe('internal');
  });

  it('keeps the refusal in the audit when the handler catches it and answers ok', async () => {
    const gw = gatewayWith([quietPing], { thing_read: [`127.0.0.1:${api.port}`] });
    const result = await call(gw, 'ping_service_quietly', 'evil.example');
    expect(result).toMatchObject({ ok: true, structured: { status: 0 } });
    const event = await auditOf(result.auditId);
    expect(event.outcome).toBe('ok');
    expect(event.reason).toMatch(/; egress_denied: evil\.example:80: host is not in the allowlist$/);
    expect(event.data).toEqual({ egressDenied: ['evil.example:80: host is not in the allowlist'] });
  });

  it('records egress_denied when the handler rethrows the refusal as another error', async () => {
    const gw = gatewayWith([maskingPing], { thing_read: [`127.0.0.1:${api.port}`] });
    const result = await call(gw, 'ping_service_masking', '169.254.169.254');
    expect(result).toMatchObject({ ok: false, error: { code: 'upstream_unavailable' } });
    const event = await auditOf(result.auditId);
    expect(event.errorCode).toBe('egress_denied');
    expect(event.reason).toMatch(/egress_denied: 169\.254\.169\.254:80: host is not in the allowlist; upstream_unav/);
  });

  it('gives a tool whose credentials have no egress entry no egress at all', async () => {
    const gw = gatewayWith([pingHost], undefined);
    const result = await call(gw, 'ping_service', `127.0.0.1:${api.port}`);
    expect(result).toMatchObject({ ok: false, error: { code: 'egress_denied' } });
  });

  it('gives a gatewayDataOnly tool no egress, whatever the config lists', async () => {
    const gw = gatewayWith([storeOnly], { thing_read: [`127.0.0.1:${api.port}`] });
    const result = await call(gw, 'ping_from_store_tool', `127.0.0.1:${api.port}`);
    expect(result).toMatchObject({ ok: false, error: { code: 'egress_denied' } });
  });

  it('refuses to start with a malformed egress entry, naming it', () => {
    expect(() => gatewayWith([pingHost], { thing_read: ['https://api.example.com/v1'] })).toThrow(
      /egress\.thing_read: allowlist entry "https:\/\/api\.example\.com\/v1"/,
    );
  });
});

describe('ctx.fetch in execute / verify', () => {
  /** The action every test here drafts and approves; each gives it its own execute. */
  const thing = {
    name: 'create_thing_draft',
    description: 'Draft a thing for an approver to approve.',
    input: z.object({ name: z.string().describe('Name of the thing') }),
    preview: z.object({ name: z.string() }),
    risk: 'low' as const,
    approval: { roles: ['approver'] },
    scopes: ['things:read'],
    tenant: 'caller' as const,
    credentials: ['thing_write'],
    describe: ({ name }: { name: string }) => ({ name }),
  };
  const writeThing = (target: () => string, swallow = false) =>
    defineAction({
      ...thing,
      execute: async (_input, ctx) => {
        try {
          const res = await ctx.fetch(`${target()}/echo`, { method: 'POST', body: 'create' });
          return { status: res.status };
        } catch (error) {
          if (swallow) return { status: 0 };
          throw error;
        }
      },
      verify: async () => ({ ok: true, detail: 'seen' }),
    });

  async function approveOne(gw: Gateway) {
    const drafted = await gw.call({
      tool: 'create_thing_draft',
      args: { name: 'x' },
      principal: agent,
      client: 'test',
      surface: 'internal',
    });
    if (!drafted.ok) throw new Error(drafted.text);
    const { draft_id } = drafted.structured as { draft_id: string };
    return gw.actions.approve(draft_id, lead, { reason: 'fine', surface: 'api' });
  }

  it('runs execute against a listed host', async () => {
    const gw = gatewayWith([writeThing(() => api.url)], { thing_write: [`127.0.0.1:${api.port}`] });
    const done = await approveOne(gw);
    expect(done.status).toBe('verified');
    expect(api.seen.at(-1)).toMatchObject({ method: 'POST', body: 'create' });
  });

  it('refuses an unlisted host: the draft fails (nothing was sent) and an action.egress_denied event names the host', async () => {
    const gw = gatewayWith([writeThing(() => 'http://169.254.169.254')], { thing_write: [`127.0.0.1:${api.port}`] });
    const done = await approveOne(gw);
    expect(done.status).toBe('failed');
    const [event] = await store.audit.query({ kind: 'action.egress_denied' });
    expect(event).toMatchObject({
      outcome: 'denied',
      errorCode: 'egress_denied',
      tool: 'create_thing_draft',
      reason: 'egress to 169.254.169.254:80 refused: host is not in the allowlist',
      data: expect.objectContaining({ host: '169.254.169.254:80', draftId: done.id }),
    });
  });

  it('keeps the action.egress_denied event when execute swallows the refusal', async () => {
    const gw = gatewayWith([writeThing(() => 'http://evil.example', true)], {
      thing_write: [`127.0.0.1:${api.port}`],
    });
    await approveOne(gw);
    const events = await store.audit.query({ kind: 'action.egress_denied' });
    expect(events.map((e) => e.data?.host)).toEqual(['evil.example:80']);
  });

  it('records an execute response over the cap as action.egress_too_large; the request was sent, so not failed', async () => {
    const reading = defineAction({
      ...thing,
      limits: { maxFetchBytes: 64 * 1024 },
      execute: async (_input, ctx) => {
        const res = await ctx.fetch(`${api.url}/big?bytes=${50 * 1024 * 1024}&as=chunked`, { method: 'POST' });
        return { length: (await res.text()).length };
      },
      verify: async () => ({ ok: false, detail: 'not seen' }),
    });
    const gw = gatewayWith([reading], { thing_write: [`127.0.0.1:${api.port}`] });
    const done = await approveOne(gw);
    // The upstream may have applied it: unresolved for a person to reconcile, never just failed.
    expect(done.status).toBe('unresolved');
    const [event] = await store.audit.query({ kind: 'action.egress_too_large' });
    expect(event).toMatchObject({
      outcome: 'error',
      errorCode: 'result_too_large',
      reason: `127.0.0.1:${api.port}: response body as read is over the 64 KiB ctx.fetch cap`,
      data: expect.objectContaining({ host: `127.0.0.1:${api.port}`, draftId: done.id }),
    });
  });

  it('is a typed ToolgateError handlers can recognise', async () => {
    let seen: unknown;
    const probe = defineTool({
      ...pingHost,
      name: 'probe_error',
      handler: async ({ host }, ctx) => {
        seen = await ctx.fetch(`http://${host}/`).catch((e: unknown) => e);
        return { status: 0, source_records: [] };
      },
    });
    await call(gatewayWith([probe], {}), 'probe_error', 'evil.example');
    expect(seen).toBeInstanceOf(ToolgateError);
    expect(seen).toMatchObject({ code: 'egress_denied', retryable: false });
  });
});

describe('ctx.fetch response body cap in the pipeline', () => {
  // Outside probe, 2026-12-07: a 300 MB body read with res.text() took the gateway to 1,087 MB RSS.
  const downloading = (name: string, as: 'chunked' | 'length', catchRead = false) =>
    defineTool({
      ...pingHost,
      name,
      limits: { maxFetchBytes: 64 * 1024 },
      handler: async ({ host }, ctx) => {
        const res = await ctx.fetch(`http://${host}/big?bytes=${50 * 1024 * 1024}&as=${as}`);
        const read = res.text().then((text) => text.length);
        return { status: catchRead ? await read.catch(() => 0) : await read, source_records: [] };
      },
    });
  const at = (as: string) => `127.0.0.1:${api.port}: response body ${as} is over the 64 KiB ctx.fetch cap`;

  it("fails a read over the tool's maxFetchBytes with result_too_large, audited once with host and cap", async () => {
    const gw = gatewayWith([downloading('download_report', 'chunked')], { thing_read: [`127.0.0.1:${api.port}`] });
    const result = await call(gw, 'download_report', `127.0.0.1:${api.port}`);
    expect(result).toMatchObject({ ok: false, error: { code: 'result_too_large', retryable: false } });
    expect(result.text).toContain('64 KiB');
    const event = await auditOf(result.auditId);
    expect(event.errorCode).toBe('result_too_large');
    expect(event.reason.endsWith(`; result_too_large: ${at('as read')}`)).toBe(true);
    expect(event.reason.split('result_too_large').length).toBe(2); // not said again as the call's error
    expect(event.data).toEqual({ egressTooLarge: [at('as read')] });
  });

  it('refuses a Content-Length over the cap at ctx.fetch, audited the same way', async () => {
    const gw = gatewayWith([downloading('download_sized', 'length')], { thing_read: [`127.0.0.1:${api.port}`] });
    const result = await call(gw, 'download_sized', `127.0.0.1:${api.port}`);
    expect(result).toMatchObject({ ok: false, error: { code: 'result_too_large' } });
    expect((await auditOf(result.auditId)).data).toEqual({
      egressTooLarge: [at('of 52428800 bytes (Content-Length)')],
    });
  });

  it('keeps the overrun in the audit when the handler catches it and answers ok', async () => {
    const gw = gatewayWith([downloading('download_caught', 'chunked', true)], {
      thing_read: [`127.0.0.1:${api.port}`],
    });
    const result = await call(gw, 'download_caught', `127.0.0.1:${api.port}`);
    expect(result).toMatchObject({ ok: true, structured: { status: 0 } });
    const event = await auditOf(result.auditId);
    expect(event.outcome).toBe('ok');
    expect(event.reason.endsWith(`; result_too_large: ${at('as read')}`)).toBe(true);
    expect(event.data).toEqual({ egressTooLarge: [at('as read')] });
  });

  it('takes the cap from the config defaults for every tool, and a tool may raise it', async () => {
    const plain = defineTool({ ...downloading('download_plain', 'chunked'), limits: {} });
    const raised = defineTool({
      ...downloading('download_raised', 'chunked'),
      limits: { maxFetchBytes: 64 * 1024 * 1024 },
    });
    const gw = createGateway({
      tools: [plain, raised],
      store,
      credentials,
      egress: { thing_read: [`127.0.0.1:${api.port}`] },
      defaults: { maxFetchBytes: 1024 * 1024 },
    });
    const capped = await call(gw, 'download_plain', `127.0.0.1:${api.port}`);
    expect(capped).toMatchObject({ ok: false, error: { code: 'result_too_large' } });
    expect(capped.text).toContain('1 MiB');
    expect(await call(gw, 'download_raised', `127.0.0.1:${api.port}`)).toMatchObject({
      ok: true,
      structured: { status: 50 * 1024 * 1024 },
    });
  });
});
