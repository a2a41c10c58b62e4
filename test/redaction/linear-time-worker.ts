/**
 * Runs linear-time.test.ts's cases on a thread of their own. A pattern that turns quadratic
 * runs synchronously for minutes, and on the test's own thread no timeout can interrupt it: the
 * suite would hang, then pass. Here the test waits with a deadline and stops the thread instead.
 */
import { parentPort } from 'node:worker_threads';
import { detectInstructions } from '../../src/guard/detect.js';
import { redactTextExhaustive } from '../../src/redaction/patterns.js';
import { createSecretMasker } from '../../src/redaction/secrets.js';

/** One case: the text, and what runs over it. */
export interface LinearCase {
  readonly id: number;
  readonly text: string;
  readonly run: 'redact-and-guard' | 'mask';
}

const mask = createSecretMasker(['tg-secret-0123456789abcdef']);

parentPort!.on('message', ({ id, text, run }: LinearCase) => {
  const ok =
    run === 'mask'
      ? typeof mask(text).text === 'string'
      : typeof redactTextExhaustive(text).text === 'string' && Array.isArray(detectInstructions(text));
  parentPort!.postMessage({ id, ok });
});
