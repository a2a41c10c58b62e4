import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The bench measures what ships: the compiled dist/ on plain Node, not the sources through tsx
 * (whose keepNames wrapping showed as ~3% of a profile). `npm run bench` and `npm run soak`
 * build first; the servers and the stage breakdown then load Toolgate from here.
 */
const root = new URL('../dist/src/', import.meta.url);

export function buildShipped(): void {
  process.stderr.write('  building dist/ (what ships)…\n');
  // The package's own build script, so the bench builds exactly what `npm pack` would.
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd, stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`the build failed (exit ${built.status})`);
}

async function load<T>(path: string): Promise<T> {
  const url = new URL(path, root);
  if (!existsSync(url)) throw new Error(`${fileURLToPath(url)} is missing: run \`npm run build\` first`);
  return (await import(url.href)) as T;
}

export const shipped = {
  startServer: () => load<typeof import('../src/server/start-server.js')>('server/start-server.js'),
  defineTool: () => load<typeof import('../src/contract/define-tool.js')>('contract/define-tool.js'),
  logger: () => load<typeof import('../src/log/logger.js')>('log/logger.js'),
  createGateway: () => load<typeof import('../src/gateway/create-gateway.js')>('gateway/create-gateway.js'),
  translate: () => load<typeof import('../src/surfaces/mcp/translate.js')>('surfaces/mcp/translate.js'),
  openStore: () => load<typeof import('../src/store/open-store.js')>('store/open-store.js'),
};
