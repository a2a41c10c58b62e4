#!/usr/bin/env node
// An installed package runs the compiled CLI (dist/) on plain Node. A clone of the repository
// runs the TypeScript sources through tsx, a dev dependency, so a stale build can never shadow
// the code being worked on. The package ships src/ too (its source maps name it), so a clone is
// told apart by its tsconfig.json, which the package does not ship.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(new URL('../tsconfig.json', import.meta.url)) && existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  // And for require(): a .ts config in a folder without "type": "module" is CommonJS to Node,
  // which the ESM hook alone cannot load ("Cannot require() ES Module … in a cycle").
  (await import('tsx/cjs/api')).register();
  await import(sources.href);
} else {
  await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
}
