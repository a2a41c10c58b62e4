import { SERVER_INFO } from '../../src/surfaces/mcp/server-factory.js';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DRAFT_STATUSES } from '../../src/actions/lifecycle.js';
import { positiveInteger } from '../../src/cli/args.js';
import { main } from '../../src/cli/commands.js';
import { failureLine } from '../../src/cli/failure-line.js';
import { StoreUnavailableError, ToolgateError } from '../../src/errors/toolgate-error.js';
import { runCli } from '../helpers/capture-io.js';

// Every command and subcommand: --help and -h print usage and exit 0; an unknown flag is named,
// the usage follows, exit 2. Nothing here starts a server: parsing stops first.
const COMMANDS: readonly string[][] = [
  [],
  ['init'],
  ['demo'],
  ['chat'],
  ['walkthrough'],
  ['serve'],
  ['stdio'],
  ['check'],
  ['route'],
  ['connect'],
  ['connect', 'claude-code'],
  ['connect', 'messages-api'],
  ['connect', 'desktop'],
  ['connect', 'claude-ai'],
  ['doctor'],
  ['approvals'],
  ...['list', 'show', 'approve', 'reject', 'rollback', 'retry', 'close', 'reverify'].map((s) => ['approvals', s]),
  ['audit'],
  ...['verify', 'tail', 'export'].map((s) => ['audit', s]),
  ['backup'],
  ['restore'],
  ['contract'],
  ...['snapshot', 'diff'].map((s) => ['contract', s]),
  ['version'],
];

const run = (args: string[]) => runCli((argv, io) => main(argv, io), args);

describe('CLI manners', () => {
  for (const command of COMMANDS) {
    const name = ['toolgate', ...command].join(' ');
    it(`${name} --help and -h: usage on stdout, exit 0`, async () => {
      for (const flag of ['--help', '-h']) {
        const { code, out, err } = await run([...command, flag]);
        expect({ code, err }).toEqual({ code: 0, err: '' });
        expect(out).toMatch(/Usage/);
      }
    });
    if (command.length === 0) continue;
    it(`${name} --frobnicate: names the flag, prints usage, exit 2`, async () => {
      const { code, out, err } = await run([...command, '--frobnicate']);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/--frobnicate/);
      expect(err).toMatch(/Usage/);
    });
  }

  it('a command group given no command is a usage error (exit 2, usage on stderr), each alike', async () => {
    // Before: `approvals`, `audit` and `contract` showed their usage with exit 0 and `connect` exited
    // 2, so a script running `toolgate audit $VERB` with VERB unset passed (outside probe).
    for (const group of ['approvals', 'audit', 'contract', 'connect']) {
      const { code, out, err } = await run([group]);
      expect({ group, code, out }).toEqual({ group, code: 2, out: '' });
      expect(err).toMatch(/^Name a /);
      expect(err).toMatch(/Usage:\s+toolgate /);
    }
  });

  it('connect --token-env takes only a variable name: it is pasted into shell lines and JSON', async () => {
    // `""` printed `Bearer ${}`; a quote ended the printed `claude mcp add` line (outside probe).
    for (const name of ['', "X'; touch /tmp/pwned; echo '", '1TOKEN', 'MY-TOKEN', 'A B']) {
      const r = await run(['connect', 'claude-code', '--url', 'https://gw.example', '--token-env', name]);
      expect({ name, code: r.code, out: r.out }).toEqual({ name, code: 2, out: '' });
      expect(r.err).toMatch(name === '' ? /--token-env is empty/ : /--token-env must be an environment variable name/);
    }
  });

  it('counts are decimal digits and dates start with a date: Infinity, 0x10, 1e9 and "5" are refused', async () => {
    // Number() read Infinity, 0x10 as 16 and 1e9; new Date('5') is the year 2005 (outside probe).
    const cases: [string[], RegExp][] = [];
    for (const bad of ['Infinity', '0x10', '1e9', '1.0', '+5', '07', ' 5'])
      cases.push(
        [['approvals', 'list', '--limit', bad], /--limit must be a positive integer/],
        [['audit', 'tail', '--limit', bad, '--db', '/nonexistent/x.db'], /--limit must be a positive integer/],
        [['route', '--owner', 'platform', '--clients', bad], /--clients must be a whole number/],
      );
    for (const bad of ['5', '2026', 'June 1, 2026', 'tomorrow'])
      cases.push([['audit', 'tail', '--since', bad, '--db', '/nonexistent/x.db'], /--since must be an ISO time/]);
    for (const [args, message] of cases) {
      const r = await run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
    }
    expect(positiveInteger('1000000000')).toBe(1_000_000_000);
    expect(positiveInteger('9007199254740993')).toBeNull();
  });

  it("approvals' usage lists every option it takes and the statuses --status accepts", async () => {
    // --as and --reason were only in the usage lines, the statuses nowhere (outside probe).
    const options = (await run(['approvals', '--help'])).out.split('Options:')[1] ?? '';
    for (const flag of ['--config', '--as', '--reason', '--status', '--oldest', '--limit', '--hash', '--json'])
      expect(options).toContain(`  ${flag} `);
    for (const status of DRAFT_STATUSES) expect(options).toMatch(new RegExp(`\\b${status}\\b`));
  });

  it('an empty value is refused by name, as an unset variable would give it (exit 2)', async () => {
    // `--out ""` wrote to stdout, `--config ""` used the default config, `--db ""` said "no
    // database at  (…)" (outside probe).
    for (const args of [
      ['audit', 'export', '--out', ''],
      ['check', '--config', ''],
      ['check', '--config='],
      ['walkthrough', '--db', ''],
      ['approvals', 'approve', 'drf_1', '--as', 'lead', '--reason', ''],
    ]) {
      const r = await run(args);
      expect({ args, code: r.code, out: r.out }).toEqual({ args, code: 2, out: '' });
      expect(r.err).toMatch(/^--[a-z-]+ is empty; give it a value/);
    }
  });

  it('a flag only a sibling command takes is refused, not accepted and ignored (exit 2)', async () => {
    // Before: one option table served each group, so `audit verify --out x` verified and wrote
    // nothing, `tail --force` and `connect desktop --scope user` ran as if the flag were not there.
    const cases: [string[], RegExp][] = [
      [['audit', 'verify', '--out', 'x.jsonl'], /Unknown option '--out'/],
      [['audit', 'verify', '--tool', 'x'], /Unknown option '--tool'/],
      [['audit', 'tail', '--force'], /Unknown option '--force'/],
      [['audit', 'tail', '--json'], /Unknown option '--json'/],
      [['audit', 'export', '--json'], /Unknown option '--json'/],
      [['approvals', 'list', '--as', 'ops'], /--as is not an option of `toolgate approvals list`/],
      [
        ['approvals', 'show', 'drf_1', '--status', 'approved'],
        /--status is not an option of `toolgate approvals show`/,
      ],
      [
        ['approvals', 'close', 'drf_1', '--status', 'failed'],
        /--status is not an option of `toolgate approvals close`/,
      ],
      [
        ['connect', 'desktop', '--url', 'https://x', '--scope', 'user'],
        /--scope is not an option of `toolgate connect desktop`/,
      ],
      [['connect', 'claude-ai', '--url', 'https://x', '--token-env', 'T'], /--token-env is not an option/],
    ];
    for (const [args, message] of cases) {
      const { code, out, err } = await run(args);
      expect({ args, code, out }).toEqual({ args, code: 2, out: '' });
      expect(err).toMatch(message);
      expect(err).toMatch(/Usage/);
    }
    // What each does take still parses (stopping later, at the missing config or database).
    expect((await run(['audit', 'tail', '--follow', '--tool', 'x', '--db', '/nonexistent/x.db'])).err).not.toMatch(
      /Unknown option/,
    );
  });

  it('--help wins over a bad flag beside it; `toolgate help X` is `toolgate X --help`', async () => {
    // Before: `approvals list --bogus --help` complained about --bogus; `help serve` printed the top page.
    for (const args of [
      ['approvals', 'list', '--bogus', '--help'],
      ['audit', 'tail', '--limit', '-1', '-h'],
    ]) {
      const { code, out, err } = await run(args);
      expect({ args, code, err }).toEqual({ args, code: 0, err: '' });
      expect(out).toMatch(/^Usage:/);
    }
    expect((await run(['help', 'serve'])).out).toMatch(/^Usage: toolgate serve/);
    // A subcommand's own page, not its group's (whose first line also starts "audit verify").
    for (const [group, sub] of [
      ['audit', 'verify'],
      ['contract', 'diff'],
      ['approvals', 'list'],
    ] as const)
      expect((await run(['help', group, sub])).out).toBe((await run([group, sub, '--help'])).out);
    expect((await run(['help', 'audit', 'verify'])).out).not.toBe((await run(['audit', '--help'])).out);
    expect(await run(['help', 'frobnicate'])).toMatchObject({ code: 2, err: /Unknown command "frobnicate"/ });
  });

  it('a value that starts with "-" is explained; a flag where a group wants its command is an unknown option', async () => {
    const negative = await run(['audit', 'tail', '--limit', '-1']);
    expect(negative.code).toBe(2);
    expect(negative.err).toMatch(/^--limit needs a value; one that starts with "-" is written --limit=VALUE/);
    for (const group of ['audit', 'contract']) {
      const { code, err } = await run([group, '--frobnicate']);
      expect({ code }).toEqual({ code: 2 });
      expect(err).toMatch(/^Unknown option "--frobnicate"\.\n\nUsage:/);
    }
  });

  it('a bad value is named with the usage after it, before any config is looked for', async () => {
    const cases: [string[], RegExp][] = [
      [['route', '--owner', 'nobody', '--clients', '1'], /^--owner must be one of/],
      [['route', '--owner', 'app', '--clients', 'many'], /^--clients must be a whole number/],
      [
        ['connect', 'claude-code', '--url', 'https://x', '--scope', 'bogus', '--config', '/nonexistent.ts'],
        /^--scope must be/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await run(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(err).toMatch(message);
      expect(err).toMatch(/\n\nUsage: toolgate /);
    }
  });

  it('--db and --config together are refused: --config was ignored, even a file that does not exist', async () => {
    for (const args of [
      ['audit', 'verify', '--db', 'x.db', '--config', '/nonexistent.ts'],
      ['backup', 'copy.db', '--db', 'x.db', '--config', '/nonexistent.ts'],
      ['restore', 'copy.db', '--db', 'x.db', '--new', '--config', '/nonexistent.ts'],
    ]) {
      const { code, out, err } = await run(args);
      expect({ args, code, out }).toEqual({ args, code: 2, out: '' });
      expect(err).toMatch(/^--db and --config both say where the database is; give one of them\.\n\nUsage:/);
    }
  });

  it('a flag given twice is named, not silently the last one (exit 2)', async () => {
    // Before: `audit verify --db junk.db --db w.db` verified w.db with exit 0.
    const { code, out, err } = await run(['audit', 'verify', '--db', 'junk.db', '--db', 'w.db']);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toContain('--db is given twice.');
    expect((await run(['check', '--json', '--json'])).err).toContain('--json is given twice.');
  });

  it('toolgate serve --help names every TOOLGATE_ variable the code reads (the demo’s aside)', async () => {
    const names = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts'))
          // `env.X`, or through envSetting: `get('X')`, `envSetting(io.env, 'X')`.
          for (const [, name] of readFileSync(path, 'utf8').matchAll(/(?:env\.|get\('|env, ')(TOOLGATE_[A-Z_]+)/g))
            names.add(name!);
      }
    };
    walk(fileURLToPath(new URL('../../src', import.meta.url)));
    const read = [...names].filter((name) => !name.startsWith('TOOLGATE_DEMO_'));
    expect(read.length).toBeGreaterThan(10);
    const { out } = await run(['serve', '--help']);
    expect(read.filter((name) => !out.includes(name))).toEqual([]);
  });

  it('--version, -v and the version command print the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v', 'version'])
      expect(await run([flag])).toMatchObject({ code: 0, out: `${version}\n` });
    expect(await run(['--version', '--version'])).toMatchObject({ code: 2, err: /Unexpected "--version"/ });
    // What MCP clients see in initialize's serverInfo: the two said 0.1.0 after an upgrade too, so an
    // operator could not tell the versions apart (upgrade probe); it must follow the package.
    expect(SERVER_INFO.version).toBe(version);
    expect(await run(['-v', 'x'])).toMatchObject({ code: 2 });
  });

  it('an unknown command or top-level flag is named, exit 2', async () => {
    expect(await run(['frobnicate'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/Unknown command "frobnicate"/),
    });
    expect(await run(['--frobnicate'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/Unknown option "--frobnicate"/),
    });
  });
});

describe('a command that fails', () => {
  it('prints what went wrong in one line: a store failure its detail, not the message a model sees', () => {
    const failure = new StoreUnavailableError('open /srv/toolgate.db: file is not a database');
    expect(failureLine(failure)).toBe('toolgate: open /srv/toolgate.db: file is not a database');
    expect(failureLine(new ToolgateError('invalid_input', 'Bad config.'))).toBe('toolgate: Bad config.');
    expect(failureLine(new Error('boom'))).toBe('toolgate: boom');
  });

  it('the real process: `approvals list` on a file that is not a database says so in one line, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-fail-'));
    try {
      const junk = join(dir, 'toolgate.db');
      writeFileSync(junk, 'not a database, just long enough to have a header '.repeat(4));
      const bin = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
      const config = fileURLToPath(new URL('../../examples/acme/toolgate.config.ts', import.meta.url));
      const env = { ...process.env, TOOLGATE_DB: junk };
      const args = [bin, 'approvals', 'list', '--config', config];
      const result = await promisify(execFile)(process.execPath, args, { env }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      // Exit 2, as `audit` gives for the same file (it was 1 after a raw "open …" line; outside probe).
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^toolgate approvals: .*is not a SQLite database \(file is not a database\)\.\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a config that cannot be used', () => {
  it('exits 2, the usage-error code, not 1 (a failing gate, a breaking change)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-noconfig-'));
    try {
      writeFileSync(join(dir, 'toolgate.contract.json'), '{}');
      writeFileSync(join(dir, 'broken.config.mjs'), 'export default {');
      const bin = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
      const exit = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        promisify(execFile)(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, ...env } }).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
        );
      expect(await exit(['check', '--config', 'nope.ts'])).toMatchObject({ code: 2, stderr: /does not exist/ });
      expect(await exit(['contract', 'diff'])).toMatchObject({ code: 2, stderr: /No toolgate.config.ts found/ });
      expect(await exit(['check', '--config', 'broken.config.mjs'])).toMatchObject({
        code: 2,
        stderr: /Could not load .*broken.config.mjs/,
      });
      expect(
        await exit(['stdio'], { TOOLGATE_READ_ONLY: 'maybe', TOOLGATE_CONFIG: 'broken.config.mjs' }),
      ).toMatchObject({
        code: 2,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a clone runs a TypeScript config from anywhere', () => {
  it('also in a folder whose package.json does not say "type": "module"', async () => {
    // There Node treats the .ts file as CommonJS: with only tsx's ESM hook, loading it failed with
    // "Cannot require() ES Module … in a cycle", whatever the config said.
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-cjs-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'plain', private: true }));
      const file = join(dir, 'toolgate.config.ts');
      writeFileSync(file, 'const config: { tools: never[] } = { tools: [] };\nexport default config;\n');
      const bin = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
      const { stdout } = await promisify(execFile)(process.execPath, [bin, 'check', '--config', file], { cwd: dir });
      expect(stdout).toContain(`toolgate check — ${file}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve on a port that is taken, or a HOST not of this machine', () => {
  it('names the setting and exits 2, rather than hanging with its store open', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-fail-'));
    try {
      const bin = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
      const config = fileURLToPath(new URL('../../examples/acme/toolgate.config.ts', import.meta.url));
      const env = {
        ...process.env,
        TOOLGATE_DB: join(dir, 'toolgate.db'),
        PORT: String((taken.address() as AddressInfo).port),
        HOST: '127.0.0.1',
      };
      // Before, the writer thread kept the process alive after the error: killed at the timeout.
      const result = await promisify(execFile)(process.execPath, [bin, 'serve', '--config', config], {
        env,
        timeout: 30_000,
      }).then(
        () => ({ code: 0, stderr: '', killed: false }),
        (error: { code: number; stderr: string; killed: boolean }) => error,
      );
      expect(result.killed).toBe(false);
      // The user's setting, so exit 2, and named: it was a raw "listen EADDRINUSE" with exit 1.
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /cannot listen on 127\.0\.0\.1:\d+: the port is in use by another process \(EADDRINUSE\); set PORT/,
      );
      // A HOST that is not this machine's (TEST-NET-1: refused at once, no DNS asked).
      const elsewhere = await promisify(execFile)(process.execPath, [bin, 'serve', '--config', config], {
        env: { ...env, PORT: '0', HOST: '192.0.2.1' },
        timeout: 30_000,
      }).then(
        () => ({ code: 0, stderr: '', killed: false }),
        (error: { code: number; stderr: string; killed: boolean }) => error,
      );
      expect(elsewhere).toMatchObject({ code: 2, killed: false });
      // A config the gateway cannot be built from, found once the store is open: the store is
      // closed and serve exits 2 (it sat silent with the database open until killed), and a
      // plain object as credentials is named before anything opens.
      for (const [change, said] of [
        ["egress: { billing_read: ['not a host at all ::'] }", 'allowlist entry "not a host at all ::" must be a host'],
        ['credentials: {}', 'credentials must come from envCredentials('],
        ['credentials: null', 'credentials must come from envCredentials('],
        [
          "approvers: [{ actorId: 'system:executor', tenant: 'acme', roles: [], scopes: [] }]",
          'system:executor is a name the gateway records its own acts under',
        ],
        // The console's routes are built last, after the recovery sweep and the checkpoints start.
        [
          "console: { oidc: { issuer: 'http://idp.example.com', clientId: 'c', approverRole: 'a' } }",
          'console.oidc.issuer must be an https URL',
        ],
      ]) {
        const bad = join(dir, 'bad.config.ts');
        writeFileSync(bad, `import config from ${JSON.stringify(config)};\nexport default { ...config, ${change} };\n`);
        const failed = await promisify(execFile)(process.execPath, [bin, 'serve', '--config', bad], {
          env: { ...env, PORT: '0' },
          timeout: 30_000,
        }).then(
          () => ({ code: 0, stderr: '', killed: false }),
          (error: { code: number; stderr: string; killed: boolean }) => error,
        );
        expect({ change, killed: failed.killed, code: failed.code }).toEqual({ change, killed: false, code: 2 });
        expect(failed.stderr).toContain(said);
      }
      expect(elsewhere.stderr).toContain(
        'cannot listen on 192.0.2.1:0: HOST "192.0.2.1" is not an address of this machine',
      );
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a plain clone has everything its tests read', () => {
  it('no source, test, example or template points outside the repository', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(root, dir))) {
        const rel = join(dir, entry);
        if (statSync(join(root, rel)).isDirectory()) {
          if (entry !== 'node_modules' && entry !== 'fixtures') walk(rel);
        } else if (
          /\.(ts|js|mjs|json|sh)$/.test(entry) &&
          /\.\.\/shared\b|shared\/datasets/.test(readFileSync(join(root, rel), 'utf8'))
        ) {
          if (rel !== join('test', 'cli', 'manners.test.ts')) offenders.push(rel);
        }
      }
    };
    for (const dir of ['src', 'test', 'bench', 'examples', 'templates', 'bin', '.ci']) walk(dir);
    expect(offenders).toEqual([]);
  });
});
