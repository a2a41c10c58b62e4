import Anthropic from '@anthropic-ai/sdk';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { runConnectCommand } from '../../src/cli/connect.js';
import { runDoctorCommand } from '../../src/cli/doctor.js';
import { runRouteCommand } from '../../src/cli/route.js';
import { claudeCodeConfig, messagesApiRequest } from '../../src/connect/generate.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { adviseRoute } from '../../src/route/advise.js';
import { reply, startScriptedModel } from '../../src/scripted-model/server.js';
import { runCli } from '../helpers/capture-io.js';
import { AGENT_TOKEN, startTestServer } from '../helpers/http-server.js';
import { claudeCli } from '../helpers/outside-clients.js';

const config = fileURLToPath(new URL('../../examples/walkthrough/toolgate.config.ts', import.meta.url));
const cli = (run: typeof runConnectCommand, ...args: string[]) => runCli(run, args);

describe('toolgate route', () => {
  const base = {
    owner: 'app' as const,
    clients: 1,
    localDeveloperWorkflow: false,
    humanClaudeWorkflow: false,
    hostedLongRunning: false,
  };
  it.each([
    [base, 'direct_tools'],
    [{ ...base, owner: 'platform' as const, clients: 3 }, 'remote_mcp_api_connector'],
    [{ ...base, clients: 2 }, 'remote_mcp_api_connector'],
    [{ ...base, owner: 'developer' as const, localDeveloperWorkflow: true }, 'claude_code_mcp'],
    [{ ...base, humanClaudeWorkflow: true }, 'custom_connector'],
    [{ ...base, hostedLongRunning: true }, 'managed_agents'],
  ])('%j → %s', (answers, route) => {
    const advice = adviseRoute(answers);
    expect(advice.route).toBe(route);
    expect(advice.reasons.length).toBeGreaterThan(0);
    expect(advice.stopRule).toMatch(/read-only first/);
  });
  it('answers by flags and refuses bad ones', async () => {
    const ok = await cli(runRouteCommand, '--owner', 'app', '--clients', '1');
    expect(ok.out).toMatch(/^Recommended: Direct Claude API tools/);
    expect((await cli(runRouteCommand, '--owner', 'nobody', '--clients', '1')).code).toBe(2);
    expect((await cli(runRouteCommand, '--owner', 'app', '--clients', 'many')).code).toBe(2);
  });
  it('with no --owner and no terminal to ask on, says it could not ask (exit 2), not that the answer is wrong', async () => {
    const pipe = Object.assign(Readable.from([]), { isTTY: false });
    const r = await runCli((argv, io) => runRouteCommand(argv, io, pipe), ['--clients', '2']);
    expect({ code: r.code, out: r.out }).toEqual({ code: 2, out: '' });
    expect(r.err).toMatch(/^Pass --owner \(app\|platform.*\): stdin is not a terminal, so route cannot ask\./);
    expect(r.err).toMatch(/Usage: toolgate route/);
  });
});

describe('toolgate connect', () => {
  const input = {
    url: 'https://toolgate.example.com',
    client: 'api_connector',
    tools: ['get_customer_billing_summary'],
    tokenEnv: 'TOOLGATE_TOKEN',
    configPath: '/srv/toolgate.config.ts',
  };
  it('generates claude mcp add lines and a .mcp.json with placeholders only', () => {
    const cc = claudeCodeConfig(input);
    expect(cc.httpCommand).toBe(
      'claude mcp add --transport http --scope local toolgate ' +
        "https://toolgate.example.com/mcp --header 'Authorization: Bearer " +
        "${TOOLGATE_TOKEN}'",
    );
    expect(cc.stdioCommand).toBe(
      'claude mcp add --scope user toolgate-local -- npx toolgate stdio --config /srv/toolgate.config.ts',
    );
    expect(JSON.stringify(cc.mcpJson)).toContain('Bearer ${TOOLGATE_TOKEN}');
  });

  it('prints config for the actual toolset of a client and never a literal token', async () => {
    const r = await cli(
      runConnectCommand,
      'messages-api',
      '--url',
      'https://toolgate.example.com',
      '--client',
      'api_connector',
      '--config',
      config,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('"anthropic-beta": "mcp-client-2025-11-20"');
    expect(r.out).toContain('"get_customer_billing_summary": {');
    expect(r.out).not.toContain('search_support_ticket');
    expect(r.out).toMatch(/not covered by Zero Data Retention/);
    // The sample question names this toolset's tools; it was the demo's billing question for any toolset.
    expect(r.out).toMatch(/"content": "A question for Claude that these tools answer: .*get_customer_billing_summary/);
    expect(r.out).not.toContain('cus_123');
    expect(
      (await cli(runConnectCommand, 'desktop', '--url', 'https://toolgate.example.com', '--config', config)).out,
    ).toMatch(/custom connector/i);
    expect((await cli(runConnectCommand, 'messages-api', '--config', config)).code).toBe(2);
    expect(
      (await cli(runConnectCommand, 'claude-code', '--url', 'https://x', '--client', 'nobody', '--config', config))
        .code,
    ).toBe(2);
  });

  it(
    'the Messages API request is accepted by the real SDK (types and wire), with the ' + 'beta header and allowlist',
    async () => {
      const request = messagesApiRequest(input);
      const seen: { body: unknown }[] = [];
      const model = await startScriptedModel((body) => {
        seen.push({ body });
        return { stop_reason: 'end_turn', content: [reply.text('ok')] };
      });
      const anthropic = new Anthropic({ apiKey: 'scripted', baseURL: model.url, maxRetries: 0 });
      const response = await anthropic.beta.messages.create(request.body, {
        headers: { 'anthropic-beta': request.headers['anthropic-beta']! },
      });
      await model.close();
      expect(response.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
      expect(seen[0]?.body).toMatchObject({
        mcp_servers: [
          { type: 'url', url: 'https://toolgate.example.com/mcp', authorization_token: '${TOOLGATE_TOKEN}' },
        ],
        tools: [
          {
            type: 'mcp_toolset',
            default_config: { enabled: false },
            configs: { get_customer_billing_summary: { enabled: true } },
          },
        ],
      });
    },
  );
});

describe('toolgate connect and doctor refuse a --url that is not an http(s) URL, and stray arguments', () => {
  it.each([['notaurl'], ['javascript:alert(1)'], ['ftp://gateway.example.com']])('--url %s: exit 2', async (url) => {
    // Before: connect printed config for "notaurl/mcp" with exit 0; doctor failed a check with exit 1.
    const connect = await cli(runConnectCommand, 'claude-code', '--url', url, '--config', config);
    expect(connect.code).toBe(2);
    expect(connect.err).toContain('--url must be');
    expect(connect.out).toBe('');
    const doctor = await runCli(runDoctorCommand, ['--url', url]);
    expect(doctor.code).toBe(2);
    expect(doctor.err).toContain('--url must be');
  });

  it('connect names an argument it does not take', async () => {
    const r = await cli(
      runConnectCommand,
      'claude-code',
      'junk',
      '--url',
      'https://gw.example.com',
      '--config',
      config,
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain('Unexpected argument "junk"');
  });
});

describe('toolgate doctor', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ tools: walkthroughTools, credentials: walkthroughCredentials });
  });
  afterAll(async () => server.stop());

  it('passes a healthy server with a good token', async () => {
    const checks = await runDoctor(server.url, AGENT_TOKEN);
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['reachable', 'ok'],
      ['tls', 'ok'],
      ['ready', 'ok'],
      ['auth challenge', 'ok'],
      ['token', 'ok'],
      ['tools', 'ok'],
      ['result sizes', 'ok'],
    ]);
  });

  it('counts all of 127/8 as loopback (it knew only 127.0.0.1): plain HTTP there is not a warning', async () => {
    const elsewhere = await startTestServer(
      { tools: walkthroughTools, credentials: walkthroughCredentials },
      { HOST: '127.0.0.2' },
    );
    try {
      const tls = (await runDoctor(elsewhere.url, AGENT_TOKEN)).find((c) => c.name === 'tls');
      expect(elsewhere.url).toMatch(/^http:\/\/127\.0\.0\.2:/);
      expect(tls).toEqual({ name: 'tls', status: 'ok', detail: 'plain HTTP on localhost' });
    } finally {
      await elsewhere.stop();
    }
  });

  it('reports a wrong token', async () => {
    const token = (await runDoctor(server.url, 'wrong-token-wrong-token')).find((c) => c.name === 'token');
    expect(token).toMatchObject({ status: 'fail', detail: expect.stringMatching(/rejected \(401\)/) });
  });

  it('the command says what it checks before waiting on it (a gateway that never answers waits 5 s a request)', async () => {
    const r = await runCli(runDoctorCommand, ['--url', server.url]);
    expect(r.err).toBe(`checking ${server.url} (each request waits up to 5 s)…\n`);
    expect(r.out).toMatch(/^✓ reachable/);
  });

  it('warns about plain HTTP off localhost and fails an unreachable server', async () => {
    // The reason fetch keeps in its cause is printed too: "fetch failed" alone said nothing.
    const blocked = await runDoctor('http://127.0.0.1:9/', AGENT_TOKEN, 1_000);
    expect(blocked).toEqual([
      {
        name: 'reachable',
        status: 'fail',
        detail: expect.stringMatching(/cannot reach .*: fetch failed \(bad port\)$/),
      },
    ]);
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const down = await runDoctor(`http://127.0.0.1:${port}/`, AGENT_TOKEN, 1_000);
    expect(down).toEqual([
      {
        name: 'reachable',
        status: 'fail',
        detail: expect.stringMatching(/cannot reach .*: fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/),
      },
    ]);
  });

  it('never prints the token, even when the server quotes it back in an error', async () => {
    // A server (or a proxy before it) that answers with the request's Authorization header: doctor
    // printed `MCP connect failed: … bad token: Bearer <token>` (outside probe, 2026-12-07).
    const echo = createServer((req, res) => {
      if (req.url === '/healthz' || req.url === '/readyz') return res.end('{"status":"ok"}');
      if (!req.headers.authorization)
        return res.writeHead(401, { 'www-authenticate': 'Bearer realm="x"' }).end('{"error":"unauthorized"}');
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`bad token: ${req.headers.authorization}`);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const { port } = echo.address() as AddressInfo;
    const token = 'tgStaticToken_7d1e9c2a4b6f8e0d';
    try {
      const checks = await runDoctor(`http://127.0.0.1:${port}`, token);
      const failed = checks.find((c) => c.name === 'token');
      expect(failed).toMatchObject({ status: 'fail', detail: expect.stringContaining('[REDACTED:credential]') });
      expect(JSON.stringify(checks)).not.toContain(token);
    } finally {
      echo.close();
    }
  });

  it('reports a store that is down', async () => {
    await server.store.close();
    const ready = (await runDoctor(server.url, AGENT_TOKEN)).find((c) => c.name === 'ready');
    expect(ready).toMatchObject({ status: 'fail', detail: expect.stringMatching(/not ready: store is closed/) });
  });
});

const claudeMissing = existsSync(claudeCli) ? null : 'Claude Code CLI not installed (npm run setup:outside-clients)';
if (claudeMissing) console.warn(`\n⚠ SKIPPED Claude Code CLI test: ${claudeMissing}\n`);

describe.skipIf(claudeMissing !== null)('the generated claude mcp add line with the real Claude Code CLI', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let home: string;
  beforeAll(async () => {
    server = await startTestServer({ tools: walkthroughTools, credentials: walkthroughCredentials });
    home = mkdtempSync(join(tmpdir(), 'toolgate-claude-home-'));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  });
  const sh = (command: string, token: string) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        '/bin/sh',
        ['-c', command],
        {
          cwd: home,
          timeout: 120_000,
          env: { PATH: `${join(claudeCli, '..')}:${process.env.PATH}`, HOME: home, TOOLGATE_TOKEN: token },
        },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, out: stdout + stderr }),
      );
    });

  it('claude mcp list shows the server connected with the token', async () => {
    const { httpCommand } = claudeCodeConfig({
      url: server.url,
      client: 'claude_code',
      tools: [],
      tokenEnv: 'TOOLGATE_TOKEN',
      configPath: config,
    });
    expect((await sh(httpCommand, AGENT_TOKEN)).code).toBe(0);
    const list = await sh('claude mcp list', AGENT_TOKEN);
    expect(list.out).toMatch(/toolgate: .*\/mcp \(HTTP\) - ✔ Connected/);
    // What Claude Code wrote down is the placeholder, not the token (the line used double quotes,
    // so the shell expanded it and the token itself was stored).
    const stored = readFileSync(join(home, '.claude.json'), 'utf8');
    expect(stored).toContain('Bearer ${TOOLGATE_TOKEN}');
    expect(stored).not.toContain(AGENT_TOKEN);
  }, 240_000);
});
