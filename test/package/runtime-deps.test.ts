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
  devDependencies: Record<string, string>;
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

/** Every package a file names in an import, type-only imports included (the declarations keep them). */
function allImports(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)]
    .map((m) => m[1]!)
    .filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:') && !builtinModules.includes(spec))
    .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!));
}

/** Whether a package carries its own type declarations (else they come from @types/NAME). */
function hasOwnTypes(pkg: string): boolean {
  const dir = join(root, 'node_modules', pkg);
  const own = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  if (own.types || own.typings) return true;
  if (JSON.stringify(own.exports ?? {}).includes('"types"')) return true;
  try {
    return statSync(join(dir, 'index.d.ts')).isFile();
  } catch {
    return false;
  }
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

  it('has the types of every package its declarations name in dependencies, not devDependencies', () => {
    // A TypeScript user without skipLibCheck got TS7016 for 'pg' from dist's connection.d.ts:
    // @types/pg was a dev dependency, so `npm install toolgate` did not bring it (outside probe).
    const packages = new Set(sourcesUnder('src').flatMap((file) => allImports(readFileSync(join(root, file), 'utf8'))));
    const missing = [...packages]
      .filter((pkg) => !hasOwnTypes(pkg))
      .map((pkg) => `@types/${pkg.replace(/^@/, '').replace('/', '__')}`)
      .filter((types) => !Object.hasOwn(manifest.dependencies, types));
    expect(missing).toEqual([]);
  });
});
