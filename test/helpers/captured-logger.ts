import { Writable } from 'node:stream';
import pino, { type LevelWithSilent } from 'pino';

/** One JSON log line as pino writes it; tests read the fields they care about. */
export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly err?: { readonly message: string };
  readonly [field: string]: unknown;
}

/** A real pino logger writing into memory: its lines parsed, and the raw text (for masking checks). */
export function capturedLogger(level: LevelWithSilent = 'trace') {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = () => chunks.join('');
  const lines = (): LogLine[] =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
  return { logger: pino({ level }, sink), text, lines };
}
