import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../src/util/held-signals.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/**
 * A child process holds its signals, says `held`, and on each `state` line from the test says
 * which signal it noted; real signals are sent to it, so a second one that is obeyed ends it.
 */
async function holder(obeySecond: boolean) {
  const script = `
    const { holdSignals } = await import(${JSON.stringify(MODULE)});
    const signals = holdSignals({ obeySecond: ${obeySecond} });
    signals.next().then(() => console.log('woke ' + signals.received()));
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (line) => {
      if (line.includes('release')) { signals.release(); console.log('released'); }
      else console.log('noted ' + signals.received());
    });
    console.log('held');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  lines.on('line', (line) => (waiters.shift() ?? ((l: string) => queue.push(l)))(line));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const queued = queue.shift();
      if (queued !== undefined) return resolve(queued);
      const timer = setTimeout(() => reject(new Error('no line from the child within 10 s')), 10_000);
      waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  expect(await nextLine()).toBe('held');
  // How it ended, or a failure after 10 s (a signal that should have ended it did not).
  const exited = Promise.race([
    once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running after 10 s')), 10_000).unref()),
  ]);
  return { child, nextLine, exited };
}

describe('holdSignals', () => {
  it('notes the first signal instead of dying, and wakes whoever waits for one', async () => {
    const { child, nextLine, exited } = await holder(false);
    child.kill('SIGTERM');
    expect(await nextLine()).toBe('woke SIGTERM');
    child.stdin.write('state\n');
    expect(await nextLine()).toBe('noted SIGTERM');
    child.stdin.end();
    expect(await exited).toEqual([0, null]);
  }, 20_000);

  it('holds a second signal too unless told to obey it (backup and restore must finish their clean-up)', async () => {
    const { child, nextLine, exited } = await holder(false);
    child.kill('SIGINT');
    expect(await nextLine()).toBe('woke SIGINT');
    child.kill('SIGINT');
    child.stdin.write('state\n');
    // Still running, and the first signal is the one noted.
    expect(await nextLine()).toBe('noted SIGINT');
    child.stdin.end();
    expect(await exited).toEqual([0, null]);
  }, 20_000);

  it('obeys a second signal at once when told to (an export the user asked twice to stop)', async () => {
    const { child, nextLine, exited } = await holder(true);
    child.kill('SIGINT');
    expect(await nextLine()).toBe('woke SIGINT');
    child.kill('SIGINT');
    expect(await exited).toEqual([null, 'SIGINT']);
  }, 20_000);

  it('gives signals back to the process once released', async () => {
    const { child, nextLine, exited } = await holder(false);
    child.stdin.write('release\n');
    expect(await nextLine()).toBe('released');
    child.kill('SIGTERM');
    expect(await exited).toEqual([null, 'SIGTERM']);
  }, 20_000);
});
