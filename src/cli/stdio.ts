import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { loadConfig, resolveSettings } from '../config/load-config.js';
import { gatewayFromConfig } from '../config/gateway-from-config.js';
import { createLogger } from '../log/logger.js';
import { openStore } from '../store/open-store.js';
import { mcpServerFactory } from '../surfaces/mcp/server-factory.js';
import { parseCommand, type CliIo } from './args.js';
import { answersOwed } from './stdio-answers.js';
import { screenStdioLines } from './stdio-lines.js';
import { shortAuditKeyWarning } from '../audit/key-check.js';

/** How long stopping waits, once no call runs, for the answers still owed to be written. */
const ANSWER_WAIT_MS = 5_000;

const USAGE = `Usage: toolgate stdio [--config FILE] [--read-only]

Serves the toolset over stdio for Claude Code. Stdout is the MCP protocol; logs go to stderr.
The caller is the config's \`stdio: { principal, client }\` block.

Options:
  --config FILE   toolgate.config.{ts,js,mjs} (default: TOOLGATE_CONFIG or ./toolgate.config.ts)
  --read-only     Switch every write action off (also TOOLGATE_READ_ONLY=true or readOnly: true)
  -h, --help      This help`;

/**
 * `toolgate stdio [--config FILE]` for Claude Code. Stdout is the MCP protocol channel: nothing
 * else may write to it, so every log line goes to stderr. The principal comes from the config's
 * `stdio` block (the developer running it), never from the protocol.
 */
export async function runStdioCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGE,
    options: { config: { type: 'string' }, 'read-only': { type: 'boolean' } },
  });
  if (typeof parsed === 'number') return parsed;
  const loaded = await loadConfig(parsed.values.config, process.cwd(), io.env);
  // --read-only (or TOOLGATE_READ_ONLY=true, applied by loadConfig): every write action off (issue #16).
  const config = parsed.values['read-only'] ? { ...loaded.config, readOnly: true } : loaded.config;
  if (!config.stdio) {
    io.stderr.write(
      'The config has no `stdio: { principal, client }` block, so there is no one to act as. Add one (see README).\n',
    );
    return 2;
  }
  const caller = config.stdio;
  const settings = resolveSettings(config, io.env);
  const logger = createLogger(io.env.TOOLGATE_LOG_LEVEL || 'warn');
  const shortKey = shortAuditKeyWarning(settings.auditKey);
  if (shortKey) logger.warn({ bytes: Buffer.byteLength(settings.auditKey!) }, shortKey);
  const store = await openStore(settings);
  let gateway: ReturnType<typeof gatewayFromConfig>;
  try {
    gateway = gatewayFromConfig(config, store, {
      logger,
      cursorKey: settings.cursorKey,
      auditKey: settings.auditKey,
    });
  } catch (error) {
    // Left open, the store's writer thread kept the process up, silent, after the error line.
    await store.close();
    throw error;
  }
  // Lines the SDK would drop without a word (not JSON, a batch) are answered on the way in.
  const owed = answersOwed();
  let stopping = false;
  const screened = screenStdioLines(
    process.stdin,
    (message) => process.stdout.write(`${JSON.stringify(message)}\n`),
    (message) => owed.read(message),
    () => (stopping ? 'toolgate stdio is stopping: the request was not run.' : null),
  );
  const transport = new StdioServerTransport(screened, process.stdout);
  const send = transport.send.bind(transport);
  transport.send = async (message) => {
    await send(message);
    owed.sent(message);
  };
  const handle = serveStdio(
    mcpServerFactory(gateway, 'mcp_stdio', () => caller),
    { transport, onerror: (err) => logger.warn({ err }, 'stdio error') },
  );
  let transportClosed = false;
  await new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    // The transport also closes itself on a message it cannot take (a line over its 10 MiB
    // buffer) and then pauses stdin, which so never ends: the process stayed up, deaf. serveStdio
    // sets its own onclose on the transport; ours runs after it.
    const sdkOnClose = transport.onclose;
    transport.onclose = () => {
      transportClosed = true;
      sdkOnClose?.();
      resolve();
    };
  });
  // Calls still running finish, and are audited, before the store closes (each is bounded by its
  // tool's timeout), and every request read is answered before the SDK's server closes: a client
  // that closed stdin may still be reading stdout. Once the gateway is idle the answers are only
  // being written out; ANSWER_WAIT_MS ends the wait for any the SDK never gives, and a transport
  // that closed itself (a line over its buffer) can give none.
  stopping = true;
  await gateway.idle();
  if (!transportClosed) {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, ANSWER_WAIT_MS)));
    await Promise.race([owed.allAnswered(), waited]);
    clearTimeout(timer);
  }
  await gateway.idle(); // whatever the SDK still started while the answers went out
  screened.end(); // the transport closes with it
  await handle.close();
  // The transport paused the stream it read, which is the screen in front of stdin now: pause
  // stdin itself, or its open pipe keeps the process running after SIGTERM.
  process.stdin.pause();
  await gateway.stop(); // nothing runs now: this writes the counts of folded rate_limited refusals
  await store.close();
  return 0;
}
