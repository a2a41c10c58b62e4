/**
 * The command table and dispatcher. Each command lives in its own file, is loaded only when it
 * runs (so `--version` and `--help` start fast) and returns an exit code; the table below is the
 * single list of what exists. `main.ts` is the process entry that calls it.
 */
import type { CliIo } from './args.js';
import { version } from './version.js';

type Run = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, { readonly summary: string; readonly load: () => Promise<Run> }>> = {
  init: {
    summary: 'init [dir]               Scaffold a project: config, a read tool, an action, a test',
    load: async () => (await import('./init.js')).runInitCommand,
  },
  demo: {
    summary: 'demo                     Start the Acme internal API and the gateway over it',
    load: async () => (await import('./demo.js')).runDemoCommand,
  },
  chat: {
    summary: 'chat [question]          Direct Messages-API tool use over the demo',
    load: async () => (await import('./chat.js')).runChatCommand,
  },
  walkthrough: {
    summary: 'walkthrough              Five calls through the pipeline in-process, then verify the audit',
    load: async () => (await import('./walkthrough.js')).runWalkthroughCommand,
  },
  serve: {
    summary: 'serve [options]          Serve /mcp (Streamable HTTP), /console, /api, /healthz, /metrics',
    load: async () => (await import('./serve.js')).runServeCommand,
  },
  stdio: {
    summary: 'stdio [options]          Serve the toolset over stdio for Claude Code',
    load: async () => (await import('./stdio.js')).runStdioCommand,
  },
  check: {
    summary: 'check [options]          Hold every tool against the eight safety gates (exit 1 on failure)',
    load: async () => (await import('./check.js')).runCheckCommand,
  },
  route: {
    summary: 'route                    Recommend a Claude route for this toolset, with reasons',
    load: async () => (await import('./route.js')).runRouteCommand,
  },
  connect: {
    summary: 'connect TARGET --url URL Ready config: claude-code, claude-ai, messages-api or desktop',
    load: async () => (await import('./connect.js')).runConnectCommand,
  },
  doctor: {
    summary: 'doctor --url URL         Check a running gateway as a client would',
    load: async () => (await import('./doctor.js')).runDoctorCommand,
  },
  approvals: {
    summary: 'approvals list|show|approve|reject|rollback|retry|close|reverify   Decide drafts of write actions',
    load: async () => (await import('./approvals.js')).runApprovalsCommand,
  },
  audit: {
    summary: 'audit verify|tail|export Check the hash chain, follow or export the audit log',
    load: async () => (await import('./audit.js')).runAuditCommand,
  },
  backup: {
    summary: 'backup DEST              Copy the SQLite database while serving, then verify the copy',
    load: async () => (await import('./backup.js')).runBackupCommand,
  },
  restore: {
    summary: "restore COPY             Put a backup in place of the stopped gateway's SQLite database",
    load: async () => (await import('./restore.js')).runRestoreCommand,
  },
  contract: {
    summary: 'contract snapshot|diff   Commit the tool contract; diff it in CI (exit 1 on a breaking change)',
    load: async () => (await import('./contract.js')).runContractCommand,
  },
  version: {
    summary: 'version                  Print the version (as --version)',
    load: async () => (await import('./version.js')).runVersionCommand,
  },
};

export const HELP = `toolgate — safe, narrow, audited access to internal APIs for Claude

Usage: toolgate <command> [options]      toolgate help <command> (or <command> --help) for its options

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.summary}`)
  .join('\n')}

Options:
  -h, --help      This help
  -v, --version   Print the version

Environment (serve, stdio and the commands that open the store):
  TOOLGATE_CONFIG          Config file when --config is not given (default ./toolgate.config.ts)
  TOOLGATE_DB              SQLite file (default ./.toolgate/toolgate.db)
  TOOLGATE_DATABASE_URL    postgres://… to share one store between several gateway instances
  TOOLGATE_AUDIT_KEY       Optional HMAC key for the audit chain (keep it outside the database)
  TOOLGATE_LOG_LEVEL       pino level (default info)
  TOOLGATE_READ_ONLY       true: every write action off (as --read-only or readOnly: true)
  TOOLGATE_FAST_PATH       off: serve POST /mcp through the SDK only, not the node:http fast path
`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  // `toolgate help serve` is `toolgate serve --help`, and `help audit verify` is `audit verify
  // --help` (it showed the group's page, outside probe); before, any word printed this page.
  if (command === 'help' && rest.length > 0) return main([...rest, '--help'], io);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.stdout.write(HELP);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    // As `toolgate version` does: anything after the flag is a mistake worth naming.
    if (rest.length > 0) {
      io.stderr.write(`Unexpected "${rest[0]}" after ${command}.\n\n${HELP}`);
      return 2;
    }
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    const what = command.startsWith('-') ? `Unknown option "${command}".` : `Unknown command "${command}".`;
    io.stderr.write(`${what}\n\n${HELP}`);
    return 2;
  }
  return (await entry.load())(rest, io);
}
