import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * What `toolgate restore` does to a database, from another process: takes its exclusive lock,
 * holds it for `holdMs`, renames `replacement` over it, removes the old `-wal`/`-shm`, lets go.
 * `locked` resolves once the lock is held; `done` once the process exited, with whether it
 * replaced the file. A child process, because a connection of this one waiting for the lock
 * waits inside SQLite, with the event loop stopped.
 */
export async function replaceWhileLocked(
  path: string,
  replacement: string,
  holdMs = 1_000,
): Promise<{ readonly done: Promise<{ replaced: boolean }> }> {
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const Database = require('better-sqlite3'); const fs = require('node:fs');
       const [path, replacement, holdMs] = process.argv.slice(1);
       const db = new Database(path); db.pragma('locking_mode = EXCLUSIVE'); db.exec('BEGIN EXCLUSIVE');
       console.log('locked');
       setTimeout(() => {
         fs.renameSync(replacement, path);
         for (const sidecar of ['-wal', '-shm']) fs.rmSync(path + sidecar, { force: true });
         console.log('replaced'); process.exit(0);
       }, Number(holdMs));`,
      path,
      replacement,
      String(holdMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(holder, 'exit');
  let said = '';
  holder.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
  while (!said.includes('locked')) {
    if (holder.exitCode !== null)
      throw new Error(`the lock holder exited (${holder.exitCode}) before it held the lock`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { done: exited.then(() => ({ replaced: said.includes('replaced') })) };
}
