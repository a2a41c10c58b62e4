import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_APPROVE_SCOPE } from '../auth/auth-config.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { newAcmeTokens } from '../../examples/acme/api/start.js';
import { demoEnvironment } from '../../examples/acme/demo-env.js';
import { acmeConfig } from '../../examples/acme/toolgate.config.js';
import { claudeCodeConfig } from '../connect/generate.js';
import { createLogger } from '../log/logger.js';
import { startServer } from '../server/start-server.js';
import { parseCommand, type CliIo } from './args.js';
import { envSetting } from '../config/env.js';

const USAGE = `Usage: toolgate demo

Starts Acme (a small internal API in its own process, its own SQLite), Acme's identity provider
(OAuth 2.1 / OpenID Connect) and the gateway over them; prints URLs, fresh tokens, the IdP's demo
users and ready connection lines; Ctrl-C stops them all.
Environment: PORT (gateway, default 8787), ACME_PORT (default 8788), IDP_PORT (default 8789),
TOOLGATE_DB, ACME_DB.

Options:
  -h, --help   This help`;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../../../' : '../../', import.meta.url));
/** Run from a clone (npm scripts exist) or from an installed package (only the `toolgate` bin). */
const IN_CLONE = existsSync(join(PACKAGE_ROOT, 'src', 'cli', 'demo.ts'));
/** The demo config as a path a person can paste: the sources in a clone, the build in a package. */
const DEMO_CONFIG = import.meta.url.endsWith('.js')
  ? fileURLToPath(new URL('../../examples/acme/toolgate.config.js', import.meta.url))
  : `${ROOT}examples/acme/toolgate.config.ts`;

/**
 * `toolgate demo` (`npm run demo`): starts the Acme internal API as its own process and the
 * gateway over it on SQLite defaults, prints how to connect every Claude surface, and stops
 * both cleanly on Ctrl-C. All tokens are made fresh for the run; nothing secret is stored.
 */
export async function runDemoCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, { usage: USAGE, options: {} });
  if (typeof parsed === 'number') return parsed;
  const tokens = newAcmeTokens();
  const acme = await startAcmeProcess(io, tokens);
  const port = io.env.PORT ?? '8787';
  const env: NodeJS.ProcessEnv = {
    ...io.env,
    ...demoEnvironment(acme.url, tokens),
    PORT: port,
    // Drafts carry a working approval link into this demo's console.
    TOOLGATE_PUBLIC_URL: io.env.TOOLGATE_PUBLIC_URL ?? `http://127.0.0.1:${port}`,
  };
  let server;
  let idp: DemoIdp | null = null;
  try {
    idp = await startDemoIdp(io, env);
    server = await startServer(acmeConfig(env), env, createLogger(io.env.TOOLGATE_LOG_LEVEL || 'warn'));
  } catch (error) {
    await idp?.close();
    acme.child.kill('SIGTERM');
    throw error;
  }
  // Where a browser or a remote client reaches it: TOOLGATE_PUBLIC_URL when set (a TLS proxy in
  // front), else where it listens. The OIDC callback and the tokens' audience are the public URL,
  // so a sign-in started at the listening address could not finish (found in an outside probe).
  // Not env's default (`127.0.0.1:${PORT}`): with PORT=0 only the server knows its port.
  const publicUrl = io.env.TOOLGATE_PUBLIC_URL?.replace(/\/+$/, '') || server.url;
  const stdioEnv = ['ACME_URL', ...Object.keys(env).filter((k) => k.startsWith('ACME_TOKEN_'))]
    .map((k) => `-e ${k}=${env[k]}`)
    .join(' ');
  const cc = claudeCodeConfig({
    url: publicUrl,
    client: 'support_assistant',
    tools: [],
    tokenEnv: 'TOOLGATE_TOKEN',
    configPath: DEMO_CONFIG,
  });
  io.stdout.write(
    demoBanner({ acme, serverUrl: server.url, publicUrl, idp, env, stdioEnv, claudeCodeHttp: cc.httpCommand }),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      io.stderr.write('\nStopping: finishing in-flight calls, flushing the audit log, stopping Acme…\n');
      void Promise.all([server.close(), idp?.close()]).then(() => {
        acme.child.once('exit', () => resolve());
        acme.child.kill('SIGTERM');
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function startAcmeProcess(
  io: CliIo,
  tokens: ReturnType<typeof newAcmeTokens>,
): Promise<{ url: string; child: ChildProcess; database: string }> {
  // The child runs from the package root (so `--import tsx` resolves); paths stay the user's.
  const env: NodeJS.ProcessEnv = {
    ...io.env,
    ACME_PORT: io.env.ACME_PORT ?? '8788',
    ACME_DB: resolve(envSetting(io.env, 'ACME_DB') ?? '.toolgate/acme.db'),
  };
  for (const [name, token] of Object.entries(tokens)) env[`ACME_TOKEN_${name.toUpperCase()}`] = token;
  // Compiled (an installed package) runs the compiled Acme API; a clone runs its sources via tsx.
  const compiled = import.meta.url.endsWith('.js');
  const script = fileURLToPath(new URL(`../../examples/acme/api/main.${compiled ? 'js' : 'ts'}`, import.meta.url));
  const args = compiled ? [script] : ['--import', 'tsx', script];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^acme listening (\S+)/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) =>
      reject(
        new Error(
          `The Acme API exited (${code}) before listening; is port ${env.ACME_PORT} free? Set ACME_PORT to another port.`,
        ),
      ),
    );
  });
  return { url, child, database: env.ACME_DB! };
}

type DemoIdp = Awaited<ReturnType<typeof import('../../examples/acme/idp/start-idp.js').startAcmeIdp>> & {
  readonly users: ReturnType<typeof import('../../examples/acme/idp/demo-users.js').demoIdpUsers>;
};

/**
 * Starts Acme's IdP (issue #12) and points the gateway at it through `env`. `oidc-provider` is a
 * development dependency: an installed package without it runs the demo on static tokens only.
 */
async function startDemoIdp(io: CliIo, env: NodeJS.ProcessEnv): Promise<DemoIdp | null> {
  let modules;
  try {
    modules = await Promise.all([
      import('../../examples/acme/idp/start-idp.js'),
      import('../../examples/acme/idp/demo-users.js'),
      import('../../examples/acme/idp/gateway-settings.js'),
    ]);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    io.stderr.write('note: oidc-provider is not installed, so the demo runs without its IdP (static tokens only).\n');
    return null;
  }
  const [{ startAcmeIdp }, { demoIdpUsers }, { CONSOLE_CLIENT_ID }] = modules;
  const publicUrl = String(env.TOOLGATE_PUBLIC_URL).replace(/\/+$/, '');
  const users = demoIdpUsers();
  const secret = randomBytes(24).toString('base64url');
  const idp = await startAcmeIdp({
    port: Number(io.env.IDP_PORT ?? 8789),
    resource: `${publicUrl}/mcp`,
    // The demo IdP grants every scope it offers; approvers' tokens may then use /api (auth.approveScope).
    scopes: [...new Set([...acmeConfig(env).tools.flatMap((tool) => tool.scopes), DEFAULT_APPROVE_SCOPE])].sort(),
    users,
    console: {
      clientId: CONSOLE_CLIENT_ID,
      clientSecret: secret,
      redirectUris: [`${publicUrl}/console/oidc/callback`],
    },
  }).catch((error: Error) => {
    throw new Error(
      `The demo IdP could not start (${error.message}); is port ${io.env.IDP_PORT ?? 8789} free? Set IDP_PORT.`,
    );
  });
  env.TOOLGATE_DEMO_IDP_ISSUER = idp.issuer;
  env.TOOLGATE_DEMO_CONSOLE_SECRET = secret;
  return Object.assign(idp, { users });
}

/**
 * What the demo prints once everything runs. Browser and remote-client URLs are the public URL
 * (the OIDC callback and the tokens' audience are built from it); local checks use where it listens.
 */
export function demoBanner(parts: {
  readonly acme: { readonly url: string; readonly database: string };
  readonly serverUrl: string;
  readonly publicUrl: string;
  readonly idp: DemoIdp | null;
  readonly env: NodeJS.ProcessEnv;
  readonly stdioEnv: string;
  readonly claudeCodeHttp: string;
}): string {
  const { acme, serverUrl, publicUrl, idp, env, stdioEnv, claudeCodeHttp } = parts;
  return `
Toolgate demo is running.

  Acme internal API   ${acme.url}        (its own process, its own SQLite: ${acme.database})
  Gateway (MCP)       ${publicUrl}/mcp
  Health / metrics    ${serverUrl}/healthz  ${serverUrl}/readyz  ${serverUrl}/metrics
  Approvals REST      ${publicUrl}/api/drafts

${idp ? idpLines(idp, publicUrl) : ''}Demo tokens (valid for this run only):
  support agent (model client)   TOOLGATE_TOKEN=${env.TOOLGATE_DEMO_AGENT_TOKEN}
  billing approver (approvals)   TOOLGATE_APPROVER_TOKEN=${env.TOOLGATE_DEMO_APPROVER_TOKEN}

Claude Code over HTTP:
  export TOOLGATE_TOKEN=${env.TOOLGATE_DEMO_AGENT_TOKEN}
  ${claudeCodeHttp}

Claude Code over stdio (the stdio server reaches Acme itself, so it gets this run's Acme tokens):
  claude mcp add --scope local toolgate-local ${stdioEnv} -- node ${PACKAGE_ROOT}bin/toolgate.js stdio --config ${DEMO_CONFIG}

Messages API, direct tool use (your app owns the loop):
  ${IN_CLONE ? 'npm run demo:chat' : 'npx toolgate chat'}          # real API with ANTHROPIC_API_KEY, a scripted model without it
  # in your app:  const out = await runToolLoop({ anthropic: new Anthropic(), gateway, principal, client: 'support_assistant',
  #                 params: { model: 'claude-sonnet-5-5', max_tokens: 1024, messages: [{ role: 'user', content: question }] } });

Messages API, MCP connector (needs a public HTTPS URL):
  npx toolgate connect messages-api --url https://<public host> --client api_connector --config ${DEMO_CONFIG}

Try it:
  npx toolgate doctor --url ${serverUrl}                       (with TOOLGATE_TOKEN set)
  curl -s -H "Authorization: Bearer $TOOLGATE_APPROVER_TOKEN" ${publicUrl}/api/drafts
  npx toolgate audit tail --db .toolgate/demo.db

Ctrl-C stops them all.
`;
}

function idpLines(idp: DemoIdp, url: string): string {
  const [agent, approver] = idp.users;
  return `Acme IdP (OAuth 2.1 / OpenID Connect: dynamic registration, PKCE S256, resource indicators, JWT access tokens)
  ${idp.issuer}      /mcp trusts its tokens for ${url}/mcp
  support agent      username ${agent?.username}    password ${agent?.password}    (Claude Code / MCP Inspector)
  billing approver   username ${approver?.username}  password ${approver?.password}    (approvals console)

Sign in to the console through the IdP:
  open ${url}/console, choose "Sign in with Acme IdP", sign in as ${approver?.username}

Claude Code over OAuth (no token: it registers itself at the IdP and opens your browser; sign in as ${agent?.username}):
  claude mcp add --transport http --scope local toolgate-oauth ${url}/mcp
  then in Claude Code: /mcp, pick toolgate-oauth, Authenticate

MCP Inspector over OAuth:
  npx @modelcontextprotocol/inspector   then connect (Streamable HTTP) to ${url}/mcp and sign in as ${agent?.username}

`;
}
