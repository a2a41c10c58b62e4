import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInitCommand } from '../../src/cli/init.js';
import { runCli } from '../helpers/capture-io.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'toolgate-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('toolgate init refuses what would break the project, before writing anything', () => {
  it.each([['a"b'], [''], ['Bad Name'], ['.hidden']])('--name %j: exit 2, nothing created', async (name) => {
    // Before, a quote made a package.json npm cannot parse; the others npm refuses to install.
    const target = join(dir, 'app');
    const r = await runCli(runInitCommand, [target, '--name', name]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(name === '' ? /--name is empty/ : /--name must be an npm package name/);
    expect(existsSync(target)).toBe(false);
  });

  it('suggests a name npm takes: no dash left at the end of "Bad Name!"', async () => {
    const r = await runCli(runInitCommand, [join(dir, 'app'), '--name', 'Bad Name!']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('try bad-name).'); // it suggested "bad-name-"
  });

  it('a path that is a file: exit 2 with one line, not a raw EEXIST', async () => {
    const file = join(dir, 'afile');
    writeFileSync(file, 'x');
    const r = await runCli(runInitCommand, [file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a file; give a directory');
  });

  it('over existing files: names each, exit 2 (as backup refuses a DEST), and writes nothing at all', async () => {
    writeFileSync(join(dir, 'README.md'), 'mine');
    writeFileSync(join(dir, '.gitignore'), 'mine too');
    const r = await runCli(runInitCommand, [dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /Not overwriting existing files:\n.*README\.md\n.*\.gitignore\n|\.gitignore\n.*README\.md\n/s,
    );
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'toolgate.config.ts'))).toBe(false);
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
  });

  it('prints a next step that can be pasted into a shell, whatever the directory is called', async () => {
    const target = join(dir, "My Tools! (it's new)");
    const r = await runCli(runInitCommand, [target]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cd '.*My Tools! \(it'\\''s new\)' && npm install/);
    expect(JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')).name).toBe('my-tools-it-s-new');
  });
});

describe('where the project installs toolgate from (--toolgate)', () => {
  const dependency = (target: string) =>
    (JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies.toolgate;

  it('the registry version by default; a tarball or clone path as file:ABSOLUTE; other specs as given', async () => {
    // A project made from a tarball could not `npm install` an unpublished ^0.2.0 (outside probe).
    const tarball = join(dir, 'toolgate-0.2.0.tgz');
    writeFileSync(tarball, 'not really a tarball');
    for (const [args, want] of [
      [[], /^\^\d+\.\d+\.\d+/],
      [['--toolgate', tarball], new RegExp(`^file:${tarball.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)],
      [['--toolgate', 'github:acme/toolgate#v0.2.0'], /^github:acme\/toolgate#v0\.2\.0$/],
      [['--toolgate', 'has"quote'], /^has"quote$/],
    ] as const) {
      const target = join(dir, `app-${Math.random().toString(36).slice(2)}`);
      const r = await runCli(runInitCommand, [target, ...args]);
      expect(r.code, r.err).toBe(0);
      expect(dependency(target)).toMatch(want);
    }
    for (const typo of ['./toolgate-0.2.O.tgz', join(dir, 'no-such-clone'), 'toolgate-0.2.0.tgz']) {
      const r = await runCli(runInitCommand, [join(dir, 'typo'), '--toolgate', typo]);
      expect(r.code, typo).toBe(2);
      expect(r.err).toContain(`--toolgate names a path that does not exist: ${typo}`);
      expect(existsSync(join(dir, 'typo'))).toBe(false);
    }
    const empty = await runCli(runInitCommand, [join(dir, 'none'), '--toolgate', ' ']);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('--toolgate needs a spec or a path.');
  });
});

describe("the scaffold's stand-in orders API", () => {
  it('is one state for every process: what `approvals approve` in a shell changes, the server reads', async () => {
    // Two module instances stand for two processes (the server, the CLI). It was a Map in each:
    // an approval from the shell cancelled the CLI's own copy and the server still said "open".
    process.env.ORDERS_STANDIN_FILE = join(dir, 'orders.json');
    try {
      const template = new URL('../../templates/init/src/orders-api.ts', import.meta.url).href;
      type Api = typeof import('../../templates/init/src/orders-api.js');
      const server = (await import(`${template}?server`)) as Api;
      const cli = (await import(`${template}?cli`)) as Api;
      expect((await server.ordersApi.getOrder('t', 'ord_1001'))?.status).toBe('open');
      await cli.ordersApi.cancel('t', 'ord_1001', 'key-1');
      expect((await server.ordersApi.getOrder('t', 'ord_1001'))?.status).toBe('cancelled');
      expect((await server.ordersApi.cancellationFor('t', 'key-1'))?.id).toBe('ord_1001');
      await server.ordersApi.reopen('t', 'ord_1001');
      await cli.ordersApi.cancel('t', 'ord_1001', 'key-1'); // the same key again acts once
      expect((await server.ordersApi.getOrder('t', 'ord_1001'))?.status).toBe('open');
    } finally {
      delete process.env.ORDERS_STANDIN_FILE;
    }
  });
});

describe('toolgate init where it cannot write', () => {
  it('a path through a file: one line naming the file, exit 1, nothing left behind', async () => {
    writeFileSync(join(dir, 'afile'), 'x');
    const r = await runCli(runInitCommand, [join(dir, 'afile', 'app')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^toolgate init: could not write .*afile\/app\/.*: ENOTDIR: not a directory.*; nothing was written; pick a directory you can write in\.\n$/m,
    );
    expect(r.err).not.toContain('created');
  });

  it('takes back the folders it made on the way, and only those', async () => {
    // test/ is a file here: src/ and src/tools/ are made and written into before test/ fails.
    const target = join(dir, 'app');
    mkdirSync(target);
    writeFileSync(join(target, 'test'), 'in the way');
    const r = await runCli(runInitCommand, [target]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/created .*app\/src\/tools\/\w/);
    expect(r.err).toMatch(/could not write .*test.*; took back what it had written;/);
    expect(readdirSync(target)).toEqual(['test']);
    expect(readdirSync(dir)).toEqual(['app']); // the target was there before: it stays
  });

  it('fails part way: takes back the files and folders it made, keeps what was there', async () => {
    // src/ is a file here, so the first file under src/ fails after the top-level files were written.
    const target = join(dir, 'app');
    mkdirSync(join(target, 'test'), { recursive: true });
    writeFileSync(join(target, 'src'), 'in the way');
    writeFileSync(join(target, 'notes.txt'), 'mine');
    const r = await runCli(runInitCommand, [target]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/created /); // it had got somewhere
    expect(r.err).toMatch(/could not write .*src.*; took back what it had written;/);
    expect(readdirSync(target).sort()).toEqual(['notes.txt', 'src', 'test']);
    expect(readdirSync(join(target, 'test'))).toEqual([]);
    expect(readFileSync(join(target, 'src'), 'utf8')).toBe('in the way');
  });
});
