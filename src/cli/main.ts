/**
 * `toolgate` command line. Each command lives in its own file and returns an exit code; this
 * file only dispatches, so `--help` here is the single list of what exists.
 */
import { runApprovalsCommand } from './approvals.js';
import { runAuditCommand } from './audit.js';
import { runChatCommand } from './chat.js';
import { runCheckCommand } from './check.js';
import { runConnectCommand } from './connect.js';
import { runDoctorCommand } from './doctor.js';
import { runRouteCommand } from './route.js';
import { runDemoCommand } from './demo.js';
import { runWalkthroughCommand } from './walkthrough.js';
import { runServeCommand } from './serve.js';
import { runStdioCommand } from './stdio.js';

const HELP = `toolgate — safe, narrow, audited access to internal APIs for Claude

Usage: toolgate <command> [options]

Commands:
  demo                     Start the Acme internal API and the gateway over it; print how to connect
  chat [question]          Direct Messages-API tool use over the demo (scripted model without ANTHROPIC_API_KEY)
  walkthrough              Five calls through the pipeline, in-process, then verify the audit chain
  serve [--config FILE]    Serve the toolset: /mcp (Streamable HTTP), /healthz, /readyz, /metrics
  stdio [--config FILE]    Serve the toolset over stdio for Claude Code (logs on stderr)
  check [--config] [--json]   Hold every tool against the eight safety gates (exit 1 on failure)
  route [--owner --clients --local --human --long-running]   Recommend a route (asks if no flags)
  connect claude-code|messages-api|desktop --url URL [--client C] [--token-env VAR]   Ready config
  doctor --url URL [--token-env VAR]   Check a running server as a client would
  approvals list|show|approve|reject|rollback|retry|fail   Decide drafts of write actions
  audit verify             Check the audit hash chain; names the first bad event
  audit tail               Show recent audit events (filters: --actor --tool --tenant --outcome --since --until)
  audit export --format jsonl   Export audit events as JSON lines

Environment:
  PORT, HOST               Where serve listens (default 127.0.0.1:8787)
  TOOLGATE_ALLOWED_HOSTS   Comma-separated Host names accepted by /mcp (default localhost)
  TOOLGATE_CONFIG          Config file when --config is not given (default ./toolgate.config.ts)
  TOOLGATE_DB              SQLite file (default ./.toolgate/toolgate.db)
  TOOLGATE_DATABASE_URL    postgres://… to share one store between several gateway instances
  TOOLGATE_AUDIT_KEY       Optional HMAC key for the audit chain (keep it outside the database)
  TOOLGATE_LOG_LEVEL       pino level (default info)
`;

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'demo':
      return runDemoCommand(rest, io);
    case 'chat':
      return runChatCommand(rest, io);
    case 'walkthrough':
      return runWalkthroughCommand(rest, io);
    case 'audit':
      return runAuditCommand(rest, io);
    case 'approvals':
      return runApprovalsCommand(rest, io);
    case 'check':
      return runCheckCommand(rest, io);
    case 'route':
      return runRouteCommand(rest, io);
    case 'connect':
      return runConnectCommand(rest, io);
    case 'doctor':
      return runDoctorCommand(rest, io);
    case 'serve':
      return runServeCommand(rest, io);
    case 'stdio':
      return runStdioCommand(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(HELP);
      return 0;
    default:
      io.stderr.write(`Unknown command "${command}". Run \`toolgate --help\` for the list.\n`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Expected failures (bad config, unreachable database) get one readable line, not a stack.
  io.stderr.write(`toolgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
