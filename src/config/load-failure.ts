import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Why a config module did not load, in one line that says where: "Could not load FILE: …" with
 * only the error's first line said "Transform failed with 1 error:" (tsx), "ParseError:
 * Unexpected token" (jiti, the installed package's `.ts` loader) or "Unexpected identifier 'bar'"
 * (Node), none with a line number. esbuild and jiti put `path:line:column` on a later line; Node
 * keeps a syntax error's place out of the error altogether, so it is asked again, of `node --check`.
 */
export function loadFailure(file: string, error: unknown): string {
  if (!(error instanceof Error)) return `Could not load ${file}: ${String(error)}`;
  const lines = error.message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const first = lines[0] ?? error.name;
  for (const line of lines.slice(1)) {
    // esbuild: "/x/toolgate.config.ts:1:18: ERROR: Unexpected ";"" — jiti: "/x/toolgate.config.ts:1:18"
    const place = /^((?:\/|[A-Za-z]:\\).*?):(\d+):(\d+)(?::\s*(?:ERROR:\s*)?(.*))?$/.exec(line);
    if (!place) continue;
    const [, where, row, column, what] = place;
    const said = what || first.replace(/^ParseError:\s*/, '');
    return `Could not load ${file}: ${said.trim()} (${within(file, where!)}line ${row}, column ${column}).`;
  }
  // Only where Node itself parses the file: on Node 20 `node --check x.ts` fails for the extension,
  // and quoted a line of Node's own source as the config's (found in review).
  if (error.name === 'SyntaxError' && /\.[cm]?js$/.test(file)) {
    const place = syntaxErrorPlace(file);
    if (place) return `Could not load ${file}: ${first} (${place}).`;
  }
  return `Could not load ${file}: ${first}`;
}

/** "" for the config itself; the other file's path when the error is in a module it imports. */
function within(file: string, where: string): string {
  return where === file ? '' : `in ${relative(process.cwd(), where) || where}, `;
}

/**
 * Where Node's parser stops in `file`: "line 3, column 9", from the first lines `node --check`
 * prints ("file:///x/toolgate.config.mjs:3", the line itself, a caret under the place). The line's
 * text is not quoted: a config's lines hold tokens and keys (`token: 'tg_…'`), and this message
 * lands in CI logs (outside probe, 2026-12-07); a `.ts` config's error names the place alone too.
 * Only on this failure path, so
 * the ~40 ms of a child process cost nothing otherwise. Undefined when the file itself parses (the
 * error came from something it imports) or the check says nothing usable.
 */
function syntaxErrorPlace(file: string): string | undefined {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  if (check.status === 0 || typeof check.stderr !== 'string') return undefined;
  const [head = '', , caret = ''] = check.stderr.split('\n');
  // The first line names the file and line: the config's own, or this is not its syntax error.
  const row = /:(\d+)$/.exec(head)?.[1];
  const named = head.slice(0, head.length - (row?.length ?? 0) - 1);
  if (!row || (named !== file && named !== pathToFileURL(file).href)) return undefined;
  const column = caret.indexOf('^') + 1;
  return column > 0 ? `line ${row}, column ${column}` : `line ${row}`;
}
