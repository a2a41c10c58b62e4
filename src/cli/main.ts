/** The `toolgate` process entry (bin/toolgate.js loads it): run one command, set the exit code. */
import { main } from './commands.js';
import { failureLine } from './failure-line.js';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
try {
  process.exitCode = await main(process.argv.slice(2), io);
} catch (error) {
  io.stderr.write(`${failureLine(error)}\n`);
  process.exitCode = 1;
}
