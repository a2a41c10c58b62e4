import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFailure } from '../../src/config/load-failure.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { staticTokenAuthenticator } from '../../src/auth/static-tokens.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'toolgate-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BIN = fileURLToPath(new URL('../../bin/toolgate.js', import.meta.url));
const check = (config: string) =>
  promisify(execFile)(process.execPath, [BIN, 'check', '--config', config], { cwd: dir }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );

describe('a config that does not load says where', () => {
  it('a syntax error in a .ts config (the clone loads it through tsx): the line and column, exit 2', async () => {
    // Before: "Could not load …: Transform failed with 1 error:", the place cut off with the second line.
    const file = join(dir, 'toolgate.config.ts');
    writeFileSync(file, 'const x: number = ;\nexport default { tools: [], x };\n');
    const { code, stderr } = await check(file);
    expect(code).toBe(2);
    expect(stderr).toBe(`toolgate: Could not load ${file}: Unexpected ";" (line 1, column 18).\n`);
  }, 30_000);

  it('a syntax error in a .mjs config, which Node reports without a place: line and column from `node --check`, never the text of the line', async () => {
    const file = join(dir, 'toolgate.config.mjs');
    writeFileSync(file, "export default {\n  tools: [\n    foo bar\n  ],\n  token: 'tg_secret_in_a_bad_line' ]\n};\n");
    const { code, stderr } = await check(file);
    expect(code).toBe(2);
    expect(stderr).toBe(`toolgate: Could not load ${file}: Unexpected identifier 'bar' (line 3, column 9).\n`);
    // The line's text is not quoted: it may hold a token (outside probe; this lands in CI logs).
    writeFileSync(file, "export default {\n  tools: [],\n  token: 'tg_secret_in_a_bad_line' ]\n};\n");
    const again = await check(file);
    expect(again.stderr).toMatch(/\(line 3, column \d+\)\.\n$/);
    expect(again.stderr).not.toContain('tg_secret');
  }, 30_000);

  it('a SyntaxError the config throws as it runs (JSON.parse of a setting) gets no made-up place', async () => {
    // Before: `node --check` ran on the .ts file, failed for its extension, and Node's own source
    // line was quoted as the config's.
    for (const name of ['toolgate.config.ts', 'toolgate.config.mjs']) {
      const file = join(dir, name);
      writeFileSync(file, 'const v = JSON.parse("{x");\nexport default { tools: [], v };\n');
      const { code, stderr } = await check(file);
      expect({ name, code }).toEqual({ name, code: 2 });
      expect(stderr).toMatch(new RegExp(`^toolgate: Could not load ${file}: [^()]*JSON[^()]*\\n$`));
    }
  }, 30_000);

  it('jiti (the installed package’s .ts loader) and an error in an imported file', () => {
    const file = join(dir, 'toolgate.config.ts');
    const jiti = new Error(`ParseError: Unexpected token  \n ${file}:1:18`);
    expect(loadFailure(file, jiti)).toBe(`Could not load ${file}: Unexpected token (line 1, column 18).`);
    const spaced = join(dir, 'My Tools', 'toolgate.config.ts');
    expect(loadFailure(spaced, new Error(`ParseError: Unexpected token\n ${spaced}:2:5`))).toBe(
      `Could not load ${spaced}: Unexpected token (line 2, column 5).`,
    );
    const nested = new Error(`Transform failed with 1 error:\n${join(dir, 'lib.ts')}:4:2: ERROR: Expected "}"`);
    expect(loadFailure(file, nested)).toMatch(/: Expected "}" \(in .*lib\.ts, line 4, column 2\)\.$/);
  });

  it('what is not a syntax error keeps its own first line (a throw inside the config)', async () => {
    const file = join(dir, 'toolgate.config.mjs');
    writeFileSync(file, 'throw new Error("ORDERS_TOKEN is not set\\nsecond line");\nexport default { tools: [] };\n');
    await expect(loadConfig(file, dir, {})).rejects.toThrow(new RegExp(`Could not load .*: ORDERS_TOKEN is not set$`));
    expect(loadFailure(file, 'thrown string')).toBe(`Could not load ${file}: thrown string`);
  });

  it.each([
    [
      'a principal without scopes',
      '{ tools: [], server: { tokens: [{ token: "x".repeat(20), principal: { actorId: "u", tenant: "t", roles: [] }, client: "a" }] } }',
      /server\.tokens\[0\]\.principal\.scopes must be a list of strings/,
    ],
    [
      'an approver without a tenant',
      '{ tools: [], approvers: [{ actorId: "lead", roles: [], scopes: [] }] }',
      /approvers\[0\]\.tenant must be a non-empty string/,
    ],
    ['a misspelt setting', '{ tools: [], readonly: true }', /unknown setting "readonly" \(did you mean "readOnly"\?\)/],
    [
      'a model client token for a client no toolset names',
      '{ tools: [], toolsets: { a: [] }, server: { tokens: [{ token: "x".repeat(20), principal: P, client: "b" }] } }',
      /server\.tokens\[0\]\.client "b" has no toolset \(toolsets names a\): its calls would see no tools/,
    ],
    [
      'a token without a principal (it crashed the reserved-name check before)',
      '{ tools: [], server: { tokens: [{ token: "x".repeat(20), client: "a" }] } }',
      /server\.tokens\[0\]\.principal must be \{ actorId, tenant, roles, scopes \}/,
    ],
    [
      'a stdio client no toolset names (the README example had it)',
      '{ tools: [], toolsets: { a: [] }, stdio: { principal: P, client: "claude_code" } }',
      /stdio\.client "claude_code" has no toolset \(toolsets names a\)/,
    ],
    [
      'a tool written as a plain object (check stopped on "reading \'$defs\'", serve started)',
      '{ tools: [{ name: "get_thing", description: "d", handler: () => ({}) }] }',
      /tools\[0\] \("get_thing"\) was not made with defineTool or defineAction/,
    ],
    [
      'two tools of one name (check listed both and passed; stdio hung with its store open)',
      '{ tools: [1, 2].map(() => ({ name: "get_thing", kind: "tool", inputJsonSchema: {} })) }',
      /tools\[1\]: two tools are named "get_thing"; tool names must be unique/,
    ],
    [
      'a toolset naming a tool that does not exist',
      '{ tools: [], toolsets: { a: ["get_customer_billing_sumary"] } }',
      /toolsets\.a names unknown tool "get_customer_billing_sumary"/,
    ],
  ])(
    '%s is a config error naming the setting (exit 2), not a crash or a silent default',
    async (name, body, message) => {
      const file = join(dir, `problem-${name.replace(/\W+/g, '-')}.mjs`);
      writeFileSync(file, `const P = { actorId: 'u', tenant: 't', roles: [], scopes: [] };\nexport default ${body};\n`);
      const failure = await loadConfig(file, dir, {}).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as Error).message).toMatch(message);
      expect((failure as Error).message).toContain(file);
    },
  );

  it('a token read from an unset variable loads (check and contract diff run in CI without it); serve refuses it', async () => {
    const file = join(dir, 'unset-token.mjs');
    writeFileSync(
      file,
      "const P = { actorId: 'u', tenant: 't', roles: [], scopes: [] };\n" +
        'export default { tools: [], server: { tokens: [{ token: process.env.NOT_SET_HERE, principal: P, client: "a" }] } };\n',
    );
    const { config } = await loadConfig(file, dir, {});
    // An unset token crashed serve with "Cannot read properties of undefined (reading 'length')", exit 1.
    expect(() => staticTokenAuthenticator(config.server!.tokens!)).toThrow(ConfigError);
    expect(() => staticTokenAuthenticator(config.server!.tokens!)).toThrow(
      'The token for u (client a) is not set: if the config reads it from an environment variable, set that variable.',
    );
  });

  it("readOnly that is not a boolean is refused, not read as false (`'true'` left every action on)", async () => {
    for (const [name, value] of [
      ['string', "'true'"],
      ['number', '1'],
    ]) {
      const file = join(dir, `read-only-${name}.mjs`);
      writeFileSync(file, `export default { tools: [], readOnly: ${value} };\n`);
      await expect(loadConfig(file, dir, {})).rejects.toThrow(/readOnly must be true or false \(got /);
    }
    const good = join(dir, 'read-only-true.mjs');
    writeFileSync(good, 'export default { tools: [], readOnly: true };\n');
    expect((await loadConfig(good, dir, {})).config.readOnly).toBe(true);
  });
});
