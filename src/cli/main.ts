/** The `toolgate` process entry (bin/toolgate.js loads it): run one command, set the exit code. */
import { once } from 'node:events';
import { main } from './commands.js';
import { ConfigError } from '../errors/config-error.js';
import { failureLine } from './failure-line.js';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
/** How long a failed command waits for a stdout reader that has stopped reading. */
const STUCK_READER_MS = 2_000;
try {
  process.exitCode = await main(process.argv.slice(2), io);
} catch (error) {
  io.stderr.write(`${failureLine(error)}\n`);
  // A config that cannot be used is a usage error (2); 1 is each command's own "no" (a failing
  // gate, a breaking change, a tampered log), which a missing --config looked like before.
  process.exitCode = error instanceof ConfigError ? 2 : 1;
}
// A command that failed or was interrupted while its stdout's reader had stopped reading (a
// paused `less`, a stuck log shipper) does not wait for that reader: waiting to hand over the
// rest of its output kept it alive past a Ctrl-C or a SIGTERM (review). A reader that is only
// slow (`| jq` on a failing `contract diff --json`) gets a moment to take the rest first; a
// successful command waits for its reader as long as it takes.
if (process.exitCode !== 0 && process.stdout.writableNeedDrain) {
  const drained = await Promise.race([
    once(process.stdout, 'drain').then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), STUCK_READER_MS).unref()),
  ]);
  if (!drained) process.exit();
}
