import { readFileSync } from 'node:fs';

/** The package's version, read from its package.json (two levels up in a clone, three in dist/). */
export function version(): string {
  const up = import.meta.url.endsWith('.js') ? '../../../package.json' : '../../package.json';
  return (JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { version: string }).version;
}
