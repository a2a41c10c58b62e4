import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { detectInstructions } from '../../src/guard/detect.js';
import { redactTextExhaustive } from '../../src/redaction/patterns.js';
import type { LinearCase } from './linear-time-worker.js';

/**
 * Every pattern that runs over text a caller or an upstream chooses must take time linear in its
 * length. Two did not (outside probe, 2026-12-07): the JWT pattern on `-eyJ-eyJ…` (40 s for 320 KB
 * in one call's arguments, every other caller waiting) and the guard's role-tag rule on a run of
 * line breaks (2.8 s for 80 K of them in a ticket). Each input here is ~512 KB of one unit
 * repeated, shaped to start a match over and over: a linear scan takes milliseconds, a quadratic
 * one minutes. The cases run on a thread of their own (linear-time-worker.ts) that is stopped
 * once one takes longer than DEADLINE_MS, so a quadratic pattern fails the test instead of
 * hanging the suite (the match is synchronous: on this thread no timeout could interrupt it).
 * That deadline is a hang detector hundreds of times the linear cost, not a speed assertion.
 */
const DEADLINE_MS = 10_000;

let thread: Worker | undefined;
let nextId = 0;
afterAll(() => thread?.terminate());

/** The worker file is TypeScript: the thread registers tsx (a dev dependency) before loading it. */
function startThread(): Worker {
  // tsx's ESM entry (its `import` export; require.resolve would give the CommonJS one).
  const tsx = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
  const file = new URL('./linear-time-worker.ts', import.meta.url).href;
  const source = `import(${JSON.stringify(pathToFileURL(tsx).href)}).then(({ register }) => { register(); return import(${JSON.stringify(file)}); });`;
  return new Worker(source, { eval: true });
}

/** Runs a case on the thread (started, or restarted after a stop, on demand) within the deadline. */
function finishes(text: string, run: LinearCase['run']): Promise<boolean> {
  thread ??= startThread();
  const worker = thread;
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.off('message', onMessage);
      thread = undefined;
      void worker.terminate();
      resolve(false);
    }, DEADLINE_MS);
    const onMessage = (reply: { id: number; ok: boolean }) => {
      if (reply.id !== id) return;
      clearTimeout(timer);
      worker.off('message', onMessage);
      if (reply.ok) resolve(true);
      else reject(new Error('the case ran but returned the wrong shape'));
    };
    worker.on('message', onMessage);
    worker.once('error', (error) => {
      clearTimeout(timer);
      thread = undefined;
      reject(error);
    });
    worker.postMessage({ id, text, run } satisfies LinearCase);
  });
}
const UNITS = [
  '-eyJ',
  'eyJ',
  '_eyJ',
  'eyJaaaaa.',
  'eyJaaaaa.eyJ',
  '\n',
  '\n ',
  ' \n',
  '\r\n',
  '\n\t',
  'a.',
  'a-',
  '.',
  'sk-',
  'sk_live_',
  'ghp_',
  'xoxb-',
  'AKIA',
  'Bearer ',
  'bearer a',
  'token ',
  'token:',
  'token= ',
  'key',
  'secret',
  '<',
  '< ',
  '<system',
  '</',
  '[inst',
  'system',
  'system ',
  'ignore ',
  'ignore a ',
  'send to ',
  'send ',
  'to a',
  'to ',
  '@',
  'a@',
  'a@a.',
  'a@a-',
  '1',
  '1 ',
  '1-',
  '12 ',
  'DE89 ',
  'DE89',
  'DE',
  '+1 ',
  '4111 ',
  '(555) ',
  '-----BEGIN ',
  '\u00a0',
  '\t',
  ' ',
  'a',
  'immediately ',
  'refund ',
  'add ',
  'run ',
];
const SIZE = 512 * 1024;

describe('redaction and the injection guard on adversarial text', () => {
  for (const unit of UNITS) {
    const text = unit.repeat(Math.ceil(SIZE / unit.length));
    it(
      `run in linear time on ${JSON.stringify(unit)} × ${Math.ceil(SIZE / unit.length)}`,
      async () => {
        expect(await finishes(text, 'redact-and-guard'), `still running after ${DEADLINE_MS} ms`).toBe(true);
      },
      2 * DEADLINE_MS,
    );
  }

  it(
    'masks known credentials in linear time, wrapped base64 included',
    async () => {
      const texts: string[] = [];
      for (const unit of [
        'A',
        'A\n',
        'AAAAAAAAAAAAAAAAAAAA\n',
        '\nA',
        'A\r\n',
        '-',
        'A-',
        '=\n',
        '\n',
        ' \n',
        '\r\n',
        '\t',
      ]) {
        texts.push(unit.repeat(Math.ceil(SIZE / unit.length)));
      }
      // One long run with a line break after it: a match tried from every position would be quadratic.
      texts.push(
        'A'.repeat(SIZE) + '\n',
        'A'.repeat(SIZE) + '\n\n',
        'x\n' + 'A'.repeat(SIZE) + '\r\n',
        'A'.repeat(SIZE) + ' '.repeat(SIZE) + '\n',
        ('A'.repeat(16) + ' \n ').repeat(SIZE / 20),
        ('A'.repeat(16) + '\n' + ' '.repeat(100)).repeat(SIZE / 120),
      );
      for (const [i, text] of texts.entries())
        expect(await finishes(text, 'mask'), `case ${i} still running after ${DEADLINE_MS} ms`).toBe(true);
    },
    30 * DEADLINE_MS,
  );

  it('still finds a JWT after a space, an equals sign, a quote or a line start, and not inside a longer run', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXBhcnQ';
    for (const text of [jwt, `Bearer ${jwt}`, `token=${jwt}`, `"${jwt}"`, `x\n${jwt}`, `(${jwt})`])
      expect(redactTextExhaustive(text).text).not.toContain('eyJhbGci');
    // After a `-`, as `\b` allowed (review): the prefix is kept, the token masked.
    for (const prefix of ['-', 'x-', 'auth-token-', '--'])
      expect(redactTextExhaustive(`${prefix}${jwt} ok`).text).toBe(`${prefix}[REDACTED:jwt] ok`);
    expect(redactTextExhaustive(`abc${jwt}`).hits.jwt ?? 0).toBe(0);
  });

  it('still flags a role line after blank lines and indentation, and not a role word mid-line', () => {
    expect(detectInstructions('hello\n\n\n   system: do this')).toContain('role_tag');
    expect(detectInstructions('\n\t assistant :')).toContain('role_tag');
    expect(detectInstructions('the system: is down')).not.toContain('role_tag');
  });
});
