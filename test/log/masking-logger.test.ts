import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineTool } from '../../src/contract/define-tool.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import type { Store } from '../../src/store/types.js';
import { agent, credentials, SECRET } from '../helpers/fixture-tools.js';
import { capturedLogger } from '../helpers/captured-logger.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * The log gets what the audit gets: a credential a handler put in an error or a log line is
 * masked. Before, the audit row said `[REDACTED:credential]` and the log line beside it had the
 * credential in clear (message and stack), and `ctx.logger` wrote whatever it was given.
 */
let store: Store;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ store, cleanup } = await tempSqliteStore()));
afterEach(async () => cleanup());

const base = {
  input: z.object({}),
  output: z.object({ ok: z.boolean(), source_records: z.array(z.string()) }),
  scopes: ['billing:read'],
  tenant: 'caller' as const,
  credentials: ['billing_read'],
};
const leaky = defineTool({
  ...base,
  name: 'get_leaky_failure',
  description: 'Fail with the credential in the error message, as careless client code does.',
  handler: (_input, ctx) => {
    throw new Error(`GET /x failed: 401 for Authorization: Bearer ${ctx.credential('billing_read')}`);
  },
});
const chatty = defineTool({
  ...base,
  name: 'get_chatty_summary',
  description: 'Log the credential through ctx.logger, in a field, a message and nested, then answer.',
  handler: (_input, ctx) => {
    const token = ctx.credential('billing_read');
    ctx.logger.debug({ header: `Bearer ${token}`, nested: { list: [token] } }, `calling with ${token}`);
    ctx.logger.child({ token }).info('child logger');
    // Deeper than the walk goes, in bytes, and in a thrown value that is no Error (outside probe).
    ctx.logger.info({ a: { b: { c: { d: { e: { f: { g: { auth: `Bearer ${token}` } } } } } } } }, 'deep');
    ctx.logger.info(
      { buf: Buffer.from(`Bearer ${token}`), at: new Date(0), url: new URL('https://x.test/a') },
      'bytes',
    );
    // Bytes below the depth too (JSON.stringify wrote them byte by byte), and a toJSON that throws.
    ctx.logger.info({ a: { b: { c: { d: { e: { f: { g: { buf: Buffer.from(token) } } } } } } } }, 'deep bytes');
    ctx.logger.info(
      {
        odd: {
          toJSON: () => {
            throw new Error('no');
          },
        },
      },
      'throwing toJSON',
    );
    return { ok: true, source_records: ['r1'] };
  },
});

describe('the gateway log', () => {
  it('masks a credential in a thrown error, in ctx.logger fields, messages and children', async () => {
    const { logger, text } = capturedLogger();
    const gateway = createGateway({ tools: [leaky, chatty], store, credentials, logger });
    const request = { args: {}, principal: agent, client: 'c', surface: 'internal' as const };
    expect((await gateway.call({ ...request, tool: 'get_leaky_failure' })).ok).toBe(false);
    expect((await gateway.call({ ...request, tool: 'get_chatty_summary' })).ok).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    const logged = text();
    expect(logged).toContain('tool call failed');
    expect(logged).toContain('calling with');
    expect(logged).toContain('child logger');
    const line = (msg: string) => JSON.parse(logged.split('\n').find((l) => l.includes(`"msg":"${msg}"`))!);
    expect(JSON.stringify(line('deep'))).toContain('[REDACTED:credential]');
    expect(JSON.stringify(line('deep bytes'))).toContain(`[${Buffer.byteLength(SECRET)} bytes]`);
    expect(line('throwing toJSON')).toMatchObject({ odd: '[toJSON threw]' });
    expect(line('bytes')).toMatchObject({
      buf: `[${Buffer.byteLength(`Bearer ${SECRET}`)} bytes]`,
      at: '1970-01-01T00:00:00.000Z', // a Date was logged as {}
      url: 'https://x.test/a',
    });
    expect(logged).not.toContain(SECRET);
    expect(logged).toContain('[REDACTED:credential]');
    // The error keeps its shape (pino's err: type, message, stack), masked.
    const failed = logged.split('\n').find((line) => line.includes('tool call failed'))!;
    expect(JSON.parse(failed)).toMatchObject({ err: { type: 'Error', message: expect.stringContaining('401 for') } });
  });
});
