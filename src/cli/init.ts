import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, usageError, type CliIo } from './args.js';
import { whatWentWrong } from './failure-line.js';
import { version } from './version.js';

const USAGE = `Usage: toolgate init [dir] [--name NAME] [--toolgate SPEC]

Scaffolds a project in dir (default: the current directory): toolgate.config.ts, one read tool,
one write action with preview/execute/verify/rollback, a test for them, a README and .gitignore.
It passes \`toolgate check\` and its own test at once. Existing files are never overwritten.

Options:
  --name NAME       package name (default: the directory's name)
  --toolgate SPEC   where the project installs toolgate from (default: ^VERSION from the npm
                    registry): a tarball or a clone's path (written as file:ABSOLUTE-PATH), or
                    any spec npm takes, e.g. github:OWNER/toolgate#v0.2.0
  -h, --help        This help`;

// templates/init/ ships beside dist/ in the package and sits at the root of a clone.
const TEMPLATE_DIR = fileURLToPath(
  new URL(import.meta.url.endsWith('.js') ? '../../../templates/init/' : '../../templates/init/', import.meta.url),
);
/** Template names that become other file names (npm would drop a literal .gitignore). */
const RENAMES: Readonly<Record<string, string>> = { gitignore: '.gitignore', 'package.json.tmpl': 'package.json' };

/** `toolgate init [dir]`: a project of one's own that is green from the first minute. */
export async function runInitCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, {
    usage: USAGE,
    positionals: true,
    options: { name: { type: 'string' }, toolgate: { type: 'string' } },
  });
  if (typeof parsed === 'number') return parsed;
  if (parsed.positionals.length > 1) return usageError(io, USAGE, 'Give at most one directory.');
  const target = resolve(parsed.positionals[0] ?? '.');
  if (existsSync(target) && !statSync(target).isDirectory())
    return usageError(io, USAGE, `${parsed.positionals[0]} is a file; give a directory (new or existing).`);
  const name = parsed.values.name ?? packageName(basename(target));
  // It lands in package.json as is: before, a quote there made a file npm cannot read.
  if (!NPM_NAME.test(name) || name.length > 214)
    return usageError(
      io,
      USAGE,
      `--name must be an npm package name: lower case, digits, - . _ ~, an optional @scope/ (got "${name}"; ` +
        `try ${packageName(name)}).`,
    );

  // A project made from a tarball or a clone could not `npm install` a registry version that is not
  // published (outside probe): --toolgate names where it comes from instead.
  const spec = parsed.values.toolgate;
  if (spec !== undefined && spec.trim() === '') return usageError(io, USAGE, '--toolgate needs a spec or a path.');
  // A mistyped path went into package.json as is, for npm to look up beside the new project (review).
  if (spec !== undefined && looksLikePath(spec) && !existsSync(resolve(spec)))
    return usageError(io, USAGE, `--toolgate names a path that does not exist: ${spec}`);
  const toolgateSpec =
    spec === undefined ? `^${version()}` : existsSync(resolve(spec)) ? `file:${resolve(spec)}` : spec;
  const files = templateFiles(TEMPLATE_DIR).map((from) => {
    const rel = relative(TEMPLATE_DIR, from);
    return { from, to: join(target, dirname(rel), RENAMES[basename(rel)] ?? basename(rel)) };
  });
  const clashes = files.filter((f) => existsSync(f.to)).map((f) => relative(process.cwd(), f.to));
  if (clashes.length > 0) {
    io.stderr.write(`Not overwriting existing files:\n${clashes.map((c) => `  ${c}`).join('\n')}\n`);
    io.stderr.write('Move them away or pick another directory: toolgate init my-tools\n');
    // 2, as `backup` and `audit export` refuse an existing DEST: the command was asked for
    // something it will not do, nothing was tried. It exited 1 before.
    return 2;
  }
  const fill = (text: string) =>
    text
      .replaceAll('{{name}}', name)
      .replaceAll('{{version}}', version())
      .replaceAll('{{toolgateSpec}}', JSON.stringify(toolgateSpec).slice(1, -1));
  const written = writeScaffold(files, fill, io);
  if (written !== true) return written;
  const cd = relative(process.cwd(), target);
  io.stdout.write(`
Scaffolded ${name}. Next:
  ${cd ? `cd ${shellWord(cd)} && ` : ''}npm install
  npm test                 # the tools through the real pipeline
  npx toolgate check       # the eight safety gates
  npx toolgate serve       # with ORDERS_READ_TOKEN, ORDERS_WRITE_TOKEN and TOOLGATE_TOKEN set
`);
  return 0;
}

/**
 * Writes each file, or none: a directory that cannot be written (or a path through a file) ended
 * the command with node's bare "EACCES: permission denied, mkdir …" and exit 1, leaving the
 * files written so far (outside probe). Now it names the file, takes back the files and folders it
 * made, and exits 1; a file that appeared meanwhile is never clobbered (wx) nor removed.
 */
function writeScaffold(
  files: ReadonlyArray<{ from: string; to: string }>,
  fill: (text: string) => string,
  io: CliIo,
): true | number {
  const made: Array<{ path: string; folder: boolean }> = []; // in the order they were made
  let current = '';
  try {
    for (const { from, to } of files) {
      current = to;
      const first = mkdirSync(dirname(to), { recursive: true }); // the first folder it made, if any
      if (first !== undefined) for (const path of foldersFrom(first, dirname(to))) made.push({ path, folder: true });
      writeFileSync(to, fill(readFileSync(from, 'utf8')), { flag: 'wx' }); // wx: never clobber
      made.push({ path: to, folder: false });
      io.stderr.write(`  created ${relative(process.cwd(), to) || to}\n`);
    }
    return true;
  } catch (error) {
    // Newest first, so a folder is empty by the time it is removed; one that is not (something
    // else wrote into it meanwhile) stays, with what is in it.
    for (const { path, folder } of made.reverse()) takeBack(path, folder);
    io.stderr.write(
      `toolgate init: could not write ${relative(process.cwd(), current) || current}: ${whatWentWrong(error)}; ` +
        (made.length > 0 ? 'took back what it had written; ' : 'nothing was written; ') +
        'pick a directory you can write in.\n',
    );
    return 1;
  }
}

function takeBack(path: string, folder: boolean): void {
  try {
    if (folder) rmdirSync(path);
    else rmSync(path, { force: true });
  } catch {
    // left as it is: the message says what was written, and a folder still in use keeps its files
  }
}

/** `first` and each folder below it on the way to `last`, top down (mkdir -p made all of them). */
function foldersFrom(first: string, last: string): string[] {
  const chain = [last];
  while (chain[0] !== first && dirname(chain[0]!) !== chain[0]) chain.unshift(dirname(chain[0]!));
  return chain;
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? templateFiles(path) : [path];
  });
}

/** A spec meant as a local path (a tarball or a clone) rather than a version, tag or git URL. */
const looksLikePath = (spec: string) => /^(\.{1,2}[/\\]|[/\\]|~)/.test(spec) || /\.(tgz|tar\.gz)$/.test(spec);

/** What npm accepts as a package name (validate-npm-package-name's rules for new packages). */
const NPM_NAME = /^(@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

/** A path as one shell word, so the printed next step can be pasted: `cd 'My Tools!'`. */
function shellWord(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

/** npm package names are lower-case, URL-safe and at most 214 characters. */
function packageName(dir: string): string {
  return (
    dir
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+/, '')
      .slice(0, 214)
      .replace(/[._-]+$/, '') || 'my-tools'
  );
}
