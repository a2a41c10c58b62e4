#!/usr/bin/env bash
# The package as a user gets it: build and `npm pack`, install the tarball into an empty project
# with no dev dependencies, and there, on plain Node (no tsx, no TypeScript): import the API from
# JavaScript, `toolgate --version`, `toolgate init app`, `toolgate check` in it and its own test.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== pack"
npm run build --silent
TARBALL=$(npm pack --silent --pack-destination "$WORK" | tail -1)
echo "   $TARBALL ($(du -h "$WORK/$TARBALL" | cut -f1))"

echo "== install into an empty project (--omit=dev)"
mkdir "$WORK/user" && cd "$WORK/user"
npm init -y >/dev/null
npm install --omit=dev --no-audit --no-fund --loglevel=error "$WORK/$TARBALL" zod@^4
test ! -e node_modules/tsx || { echo "tsx must not be a runtime dependency"; exit 1; }
test ! -e node_modules/typescript || { echo "typescript must not be a runtime dependency"; exit 1; }

echo "== import from plain JavaScript"
cat > smoke.mjs <<'JS'
import { z } from 'zod';
import { defineTool } from 'toolgate';
const tool = defineTool({
  name: 'get_thing_status', description: 'Return the status of one thing for a support answer.',
  input: z.object({ id: z.string() }), output: z.object({ status: z.string(), source_records: z.array(z.string()) }),
  scopes: ['things:read'], tenant: 'caller', handler: ({ id }) => ({ status: 'ok', source_records: [id] }),
});
if (tool.inputJsonSchema.type !== 'object') throw new Error('no JSON Schema derived');
console.log('defineTool from JavaScript: ok');
JS
node smoke.mjs

echo "== every source map and declaration map names a file the package ships (a debugger or go-to-definition opens the TypeScript)"
node --input-type=module -e "
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
const root = 'node_modules/toolgate';
const maps = readdirSync(join(root, 'dist'), { recursive: true }).filter((f) => f.endsWith('.map'));
if (maps.length === 0) throw new Error('no source maps in the package');
const missing = maps.flatMap((map) => {
  const file = join(root, 'dist', map);
  return JSON.parse(readFileSync(file, 'utf8')).sources.map((s) => resolve(dirname(file), s)).filter((s) => !existsSync(s));
});
if (missing.length) throw new Error(missing.length + ' mapped sources not shipped, e.g. ' + missing.slice(0, 3).join(', '));
console.log('   ' + maps.length + ' maps, every source shipped');
"

echo "== toolgate --version, and every command loads (--help) with what --omit=dev installs"
npx --no-install toolgate --version
for command in init demo chat walkthrough serve stdio check route connect doctor approvals audit backup restore contract version; do
  npx --no-install toolgate "$command" --help >/dev/null || { echo "toolgate $command --help failed"; exit 1; }
done

echo "== toolgate init app, then check and its own test"
npx --no-install toolgate init app
cd app
npx --no-install toolgate check
node --import jiti/register --test test/tools.test.ts
echo "== a config with a syntax error is named with its line (jiti, the installed package's .ts loader)"
printf 'const x: number = ;\nexport default { tools: [], x };\n' > broken.config.ts
rc=0; said=$(npx --no-install toolgate check --config broken.config.ts 2>&1) || rc=$?
[ "$rc" = 2 ] || { echo "a broken config: exit $rc, not 2: $said"; exit 1; }
echo "$said" | grep -q 'line 1, column 18' || { echo "no line and column in: $said"; exit 1; }
echo "pack smoke: ok"
