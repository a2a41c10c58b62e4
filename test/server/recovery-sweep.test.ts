import { describe, expect, it } from 'vitest';
import { startRecoverySweep } from '../../src/server/recovery-sweep.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the recovery sweep', () => {
  it('stop() waits for a sweep in flight, and none starts after it', async () => {
    let runs = 0;
    let finish: () => void = () => {};
    const settle = () => {
      runs++;
      return new Promise<void>((resolve) => (finish = resolve));
    };
    const sweep = startRecoverySweep(settle, { error: () => {} }, 5);
    while (runs === 0) await wait(5);
    let stopped = false;
    const stopping = sweep.stop().then(() => (stopped = true));
    await wait(30);
    // Before, close() went on and closed the store under the sweep still running.
    expect(stopped).toBe(false);
    expect(runs).toBe(1); // never two at once, and none after stop
    finish();
    await stopping;
    await wait(30);
    expect(runs).toBe(1);
  });

  it('logs a failed sweep and keeps sweeping', async () => {
    const logged: string[] = [];
    let runs = 0;
    const sweep = startRecoverySweep(
      () => (++runs === 1 ? Promise.reject(new Error('store down')) : Promise.resolve()),
      { error: (_: unknown, message: string) => void logged.push(message) },
      5,
    );
    while (runs < 2) await wait(5);
    await sweep.stop();
    expect(logged).toEqual(['could not look for interrupted drafts']);
  });
});
