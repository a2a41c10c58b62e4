/** The `toolgate` process entry (bin/toolgate.js loads it): run one command, set the exit code. */
import { main } from './commands.js';

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
try {
  process.exitCode = await main(process.argv.slice(2), io);
} catch (error) {
  // Expected failures (bad config, unreachable database) get one readable line, not a stack.
  io.stderr.write(`toolgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
