import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';

/**
 * The fast path must answer what it serves exactly as the SDK path would, and leave the rest to
 * it: the same request goes to a server with the fast path on and one with it off
 * (TOOLGATE_FAST_PATH=off), and both must say the same. Raw node:http requests, so headers can be
 * repeated and bodies malformed as no fetch client would send them.
 */
let fast: Awaited<ReturnType<typeof startTestServer>>;
let sdk: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  const config = { tools: walkthroughTools, credentials: walkthroughCredentials };
  [fast, sdk] = await Promise.all([startTestServer(config), startTestServer(config, { TOOLGATE_FAST_PATH: 'off' })]);
});
afterAll(async () => Promise.all([fast.stop(), sdk.stop()]));

interface Answer {
  readonly status: number;
  readonly wwwAuthenticate: string | undefined;
  readonly body: string;
}

function send(base: string, body: string, headers: Record<string, string | string[]>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/mcp`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, wwwAuthenticate: res.headers['www-authenticate'], body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
const both = async (body: string, headers: Record<string, string | string[]>) =>
  Promise.all([send(fast.url, body, headers), send(sdk.url, body, headers)]);

describe('the fast path and the SDK path agree', () => {
  it('refuse a request with two Authorization lines as invalid_request, whichever comes first', async () => {
    // Node keeps only the first line in req.headers; before, the fast path let a good first token in.
    for (const lines of [
      [`Bearer ${AGENT_TOKEN}`, 'Bearer garbage'],
      [`Bearer ${AGENT_TOKEN}`, 'Basic Zm9vOmJhcg=='],
      ['Bearer garbage', `Bearer ${AGENT_TOKEN}`],
    ]) {
      const [viaFast, viaSdk] = await both(ping, { authorization: lines });
      for (const answer of [viaFast, viaSdk]) {
        expect(answer.status).toBe(400);
        expect(answer.wwwAuthenticate).toContain('error="invalid_request"');
      }
    }
    // One line is still served, of course.
    const [viaFast, viaSdk] = await both(ping, { authorization: `Bearer ${AGENT_TOKEN}` });
    expect([viaFast.status, viaSdk.status]).toEqual([200, 200]);
  });
});
