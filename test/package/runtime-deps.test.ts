import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What ships (src/, built to dist/src) may only import packages a user's `npm install toolgate`
 * installs: `dependencies`, not `devDependencies`. `toolgate doctor` imported the MCP client,
 * a dev dependency, and failed to load at all from an installed package (even for --help).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

function sourcesUnder(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((entry) => {
    const rel = join(dir, entry);
    return statSync(join(root, rel)).isDirectory() ? sourcesUnder(rel) : /\.ts$/.test(entry) ? [rel] : [];
  });
}

/** Packages a file loads at run time: static and dynamic imports, not `import type`. */
function runtimeImports(text: string): string[] {
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return found
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:') && !builtinModules.includes(spec))
    .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!));
}

describe('the shipped code', () => {
  it('imports at run time only packages listed under dependencies', () => {
    const allowed = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ]);
    const offenders = sourcesUnder('src').flatMap((file) =>
      runtimeImports(readFileSync(join(root, file), 'utf8'))
        .filter((pkg) => !allowed.has(pkg))
        .map((pkg) => `${file}: ${pkg}`),
    );
    expect(offenders).toEqual([]);
  });
});
