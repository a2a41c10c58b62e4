/** The `toolgate` process entry (bin/toolgate.js loads it): run one command, set the exit code. */
import { main } from './commands.js';
import { ConfigError } from '../errors/config-error.js';
import { failureLine } from './failure-line.js';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
try {
  process.exitCode = await main(process.argv.slice(2), io);
} catch (error) {
  io.stderr.write(`${failureLine(error)}\n`);
  // A config that cannot be used is a usage error (2); 1 is each command's own "no" (a failing
  // gate, a breaking change, a tampered log), which a missing --config looked like before.
  process.exitCode = error instanceof ConfigError ? 2 : 1;
}
// A command that failed or was interrupted while its stdout's reader had stopped reading (a
// paused `less`, a stuck log shipper) ends now: waiting to hand over the rest of its output kept
// it alive past a Ctrl-C or a SIGTERM (review). A successful command still waits for its reader.
if (process.exitCode !== 0 && process.stdout.writableNeedDrain) process.exit();
