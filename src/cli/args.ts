import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes: injected so tests run commands in-process with captured output. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** The option table `node:util` parseArgs takes. */
export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options> {
  /** Full usage text, printed for --help (stdout, exit 0) and after a usage error (stderr, exit 2). */
  readonly usage: string;
  readonly options: O;
  /** Positional arguments allowed (subcommand names, ids, a question). */
  readonly positionals?: boolean;
}

export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * The CLI's manners in one place: `--help`/`-h` prints the command's usage and exits 0; an
 * unknown flag or a missing value is named, followed by the usage, exit 2. Returns the parsed
 * arguments, or the exit code when the command should stop here.
 */
export function parseCommand<const O extends Options>(
  argv: readonly string[],
  io: CliIo,
  spec: CommandSpec<O>,
): Parsed<O> | number {
  // Help wins over whatever else is wrong on the line, as it does for git and npm: someone who
  // typed --help wants the usage, not one complaint about the flag they are asking how to use.
  if (wantsHelp(argv)) {
    io.stdout.write(ensureNewline(spec.usage));
    return 0;
  }
  let parsed: Parsed<O & typeof HELP>;
  let tokens: readonly { kind: string; name?: string; rawName?: string; value?: string }[];
  try {
    ({ tokens, ...parsed } = parseArgs({
      args: [...argv],
      options: { ...spec.options, ...HELP },
      allowPositionals: true,
      strict: true,
      tokens: true,
    }) as Parsed<O & typeof HELP> & { tokens: { kind: string; name?: string; rawName?: string; value?: string }[] });
  } catch (error) {
    return usageError(io, spec.usage, readable(error as Error));
  }
  // parseArgs keeps the last of a repeated option: `--db a.db --db b.db` checked b.db in silence.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !token.name) continue;
    if (seen.has(token.name)) return usageError(io, spec.usage, `${token.rawName ?? token.name} is given twice.`);
    seen.add(token.name);
    // `--out ""` wrote to stdout, `--config ""` used the default config, `--db ""` said "no
    // database at  (…)": an empty value is a variable that was not set (outside probe).
    if (token.value === '')
      return usageError(
        io,
        spec.usage,
        `${token.rawName ?? token.name} is empty; give it a value (is a variable unset?).`,
      );
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(ensureNewline(spec.usage));
    return 0;
  }
  if (!spec.positionals && parsed.positionals.length > 0) {
    return usageError(io, spec.usage, `Unexpected argument "${parsed.positionals[0]}".`);
  }
  return parsed as unknown as Parsed<O>;
}

/**
 * For a command group that parses one option table for all its commands (the command is a
 * positional): the first flag given that `command` does not take, as a usage-error message, or
 * null. So a flag only a sibling takes (`connect desktop --scope user`) is refused rather than
 * accepted and ignored.
 */
export function flagNotTaken(values: object, takes: readonly string[], command: string): string | null {
  const extra = Object.keys(values).find((name) => !takes.includes(name));
  return extra === undefined ? null : `--${extra} is not an option of \`toolgate ${command}\`.`;
}

/**
 * A count given on the command line: decimal digits only, at least 1, a safe integer; null for
 * anything else. `Number()` took `Infinity`, `0x10` (16) and `1e9` (outside probe).
 */
export function positiveInteger(raw: string): number | null {
  if (!/^[1-9][0-9]*$/.test(raw)) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : null;
}

/** Writes `message` and the usage to stderr; returns 2, the exit code for a usage error. */
export function usageError(io: CliIo, usage: string, message: string): 2 {
  io.stderr.write(`${message}\n\n${ensureNewline(usage)}`);
  return 2;
}

/** True when argv asks for help anywhere before a `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

// node:util's messages name the flag already ("Unknown option '--frob'"); add what to do next.
function readable(error: Error): string {
  // `--limit -1`: parseArgs takes "-1" for a flag and calls the option ambiguous.
  const ambiguous = /^Option '(?:-\w, )?(--[\w-]+)' argument is ambiguous/.exec(error.message);
  if (ambiguous) {
    const flag = ambiguous[1]!;
    return `${flag} needs a value; one that starts with "-" is written ${flag}=VALUE (e.g. ${flag}=-1).`;
  }
  const message = error.message.replace(/\. To specify a positional argument.*$/s, '.');
  return /Unknown option/.test(message) ? `${message} See the usage below.` : message;
}

const ensureNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/** Why `value` is not a usable `--url` (an http or https URL), or null when it is. */
export function badUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `--url must be a full URL such as https://gateway.example.com (got "${value}").`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `--url must be an http:// or https:// URL (got "${value}").`;
  return null;
}
