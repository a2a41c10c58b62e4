import { Writable } from 'node:stream';
import type { CliIo } from './args.js';
import { runAuditCommand } from './audit.js';

/**
 * `toolgate audit verify --db FILE` for the copy `backup` just made or `restore` is about to put
 * in place: the same check and exit codes, but its failures under the command's own name (they
 * read "toolgate audit verify: …", a command the user never ran), and for `restore` its report
 * on stderr with the other progress lines, so that stdout says only what was restored (it said
 * "ok" and then the restore was refused).
 */
export function verifyCopy(path: string, io: CliIo, command: 'backup' | 'restore'): Promise<number> {
  const relabelled = lines(io.stderr, (text) => text.replaceAll('toolgate audit verify:', `toolgate ${command}:`));
  const report = command === 'restore' ? relabelled : io.stdout;
  return runAuditCommand(['verify', '--db', path], { ...io, stdout: report, stderr: relabelled });
}

function lines(to: NodeJS.WritableStream, change: (text: string) => string): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      to.write(change(chunk.toString()));
      done();
    },
  });
}
