import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/commands.js';
import { runCli } from '../helpers/capture-io.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIG = join(ROOT, 'examples/acme/toolgate.config.ts');
const GOLDEN = readFileSync(join(ROOT, 'test/fixtures/contract/acme.contract.json'), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a hand-edited file, any shape
const editedGolden = (edit: (snapshot: any) => unknown) => {
  const snapshot = JSON.parse(GOLDEN) as unknown;
  edit(snapshot);
  return JSON.stringify(snapshot);
};
const dir = mkdtempSync(join(tmpdir(), 'toolgate-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => runCli((argv, io) => main(argv, io), ['contract', ...args]);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits reach deep into free-form JSON Schemas
type Json = any;
/** A snapshot file holding the golden contract after `edit` (the committed state the config is compared with). */
function snapshotFile(name: string, edit: (s: Json) => void = () => {}) {
  const json = JSON.parse(GOLDEN) as Json;
  edit(json);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('toolgate contract (in-process, through the command table)', () => {
  it('snapshot writes the golden bytes; diff against it finds nothing, exit 0', async () => {
    const out = join(dir, 'fresh.contract.json');
    const written = await run(['snapshot', '--config', CONFIG, '--out', out]);
    expect(written.code).toBe(0);
    expect(written).toMatchObject({ out: '', err: expect.stringMatching(/6 tools/) }); // a status line: stderr
    // `--out -` is stdout, the snapshot alone: the same text as the file.
    const piped = await run(['snapshot', '--config', CONFIG, '--out', '-']);
    expect(piped).toMatchObject({ code: 0, err: '', out: readFileSync(out, 'utf8') });
    expect(readFileSync(out, 'utf8')).toBe(GOLDEN);
    expect(await run(['diff', '--config', CONFIG, '--against', out])).toEqual({
      code: 0,
      out: `No contract changes against ${out}.\n`,
      err: '',
    });
  });

  it('a breaking change exits 1, names the tool and field, breaking lines first, then a summary', async () => {
    // The committed contract allowed 1000 characters and lacked a field: the config now allows 500 and adds one.
    const file = snapshotFile('breaking.json', (s) => {
      s.tools.get_customer_billing_summary.input.properties.reason.maxLength = 1000;
      const output = s.tools.get_customer_billing_summary.output;
      delete output.properties.recommended_next_action;
      output.required = output.required.filter((r: string) => r !== 'recommended_next_action');
    });
    const { code, out, err } = await run(['diff', '--config', CONFIG, '--against', file]);
    expect({ code, err }).toEqual({ code: 1, err: '' });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'BREAKING  tools.get_customer_billing_summary.input.properties.reason.maxLength  ' +
        'maxLength lowered from 1000 to 500: calls that were valid before may now be refused',
    );
    expect(lines[1]).toMatch(
      /^safe {6}tools\.get_customer_billing_summary\.output\.properties\.recommended_next_action {2}new output field/,
    );
    expect(lines[2]).toMatch(
      /^1 breaking, 1 safe change against .*breaking\.json\. Once reviewed, run `toolgate contract snapshot`/,
    );
  });

  it('--json prints {breaking, safe}, each {tool, path, kind, reason}', async () => {
    const file = snapshotFile('json.json', (s) => {
      s.tools.get_customer_billing_summary.input.properties.reason.maxLength = 1000;
      s.tools.get_customer_billing_summary.description = 'Old words.';
    });
    const { code, out } = await run(['diff', '--config', CONFIG, '--against', file, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(out) as { breaking: unknown[]; safe: unknown[] };
    expect(Object.keys(report)).toEqual(['breaking', 'safe']);
    expect(report.breaking).toEqual([
      {
        tool: 'get_customer_billing_summary',
        path: 'tools.get_customer_billing_summary.input.properties.reason.maxLength',
        kind: 'input-narrowed',
        reason: 'maxLength lowered from 1000 to 500: calls that were valid before may now be refused',
      },
    ]);
    expect(report.safe).toEqual([
      expect.objectContaining({ tool: 'get_customer_billing_summary', kind: 'description-changed' }),
    ]);
    expect(Object.keys(report.safe[0] as object).sort()).toEqual(['kind', 'path', 'reason', 'tool']);
  });

  it('only safe changes exit 0', async () => {
    const file = snapshotFile('safe.json', (s) => (s.tools.get_action_status!.description = 'Before.'));
    const { code, out } = await run(['diff', '--config', CONFIG, '--against', file]);
    expect(code).toBe(0);
    expect(out).toMatch(/^safe {6}tools\.get_action_status\.description {2}description changed from "Before\." to /);
    expect(out).toMatch(/\n0 breaking, 1 safe change/);
  });

  it('a new tool exits 1 and says what it may do (was "safe": an outside probe added an auto-approved write)', async () => {
    const file = snapshotFile('new-tool.json', (s) => delete s.tools.get_action_status);
    const { code, out } = await run(['diff', '--config', CONFIG, '--against', file]);
    expect(code).toBe(1);
    expect(out).toMatch(/^BREAKING {2}tools\.get_action_status {2}new tool "get_action_status": reads; /);
  });

  it('snapshot --out where it cannot write: exit 2 naming why, as backup and audit export do (was a raw ENOENT, 1)', async () => {
    for (const [out, why] of [
      [join(dir, 'no-such-dir', 'c.json'), 'its directory does not exist'],
      [dir, 'it is a directory'],
    ] as const) {
      const { code, out: stdout, err } = await run(['snapshot', '--config', CONFIG, '--out', out]);
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(err).toMatch(new RegExp(`^Cannot write the snapshot to ${out}: ${why}\\.\\n\\nUsage:`));
    }
  });

  it('a missing snapshot file: exit 2, names the file and how to create it', async () => {
    const missing = join(dir, 'nope.json');
    const { code, out, err } = await run(['diff', '--config', CONFIG, '--against', missing]);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toContain(
      `Snapshot ${missing} does not exist. Create it with \`toolgate contract snapshot --out ${missing}\``,
    );
    expect(err).toMatch(/Usage: toolgate contract diff/);
  });

  it('the default snapshot path is named with the plain command that creates it', async () => {
    const { code, err } = await runCli((argv, io) => main(argv, io), ['contract', 'diff', '--config', CONFIG]);
    expect(code).toBe(2);
    expect(err).toMatch(
      /^Snapshot toolgate\.contract\.json does not exist\. Create it with `toolgate contract snapshot` and commit it\./,
    );
  });

  it.each([
    ['malformed JSON', '{"formatVersion": 1, "tools": {', /is not valid JSON/],
    ['JSON that is not a snapshot', '{"hello": "world"}', /is not a toolgate contract snapshot \(formatVersion: /],
    ['a snapshot from a newer toolgate', '{"formatVersion": 2}', /formatVersion 2, written by a newer toolgate/],
    [
      'a tool entry missing its schemas',
      JSON.stringify({ formatVersion: 1, toolsets: {}, tools: { x: {} } }),
      /tools\.x\./,
    ],
    // The diff walked schema nodes unchecked: a null property crashed it (TypeError, exit 1), a
    // non-list enum was compared as nothing (outside probe, 2026-12-07).
    [
      'a property schema that is null',
      editedGolden((s) => (s.tools.get_customer_billing_summary.input.properties.customer_id = null)),
      /tools\.get_customer_billing_summary\.input\.properties\.customer_id: not a schema/,
    ],
    [
      'an enum that is not a list',
      editedGolden((s) => (s.tools.get_customer_billing_summary.output.properties.billing_status.enum = 5)),
      /tools\.get_customer_billing_summary\.output\.properties\.billing_status\.enum: not a list/,
    ],
  ])('%s: exit 2 with a clear message naming the file', async (_, text, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, text);
    const { code, out, err } = await run(['diff', '--config', CONFIG, '--against', file]);
    expect({ code, out }).toEqual({ code: 2, out: '' });
    expect(err).toContain(`Snapshot ${file} `);
    expect(err).toMatch(message);
    expect(err).toMatch(/toolgate contract snapshot/);
  });

  it('an unknown contract command is named, exit 2', async () => {
    expect(await run(['frob'])).toMatchObject({
      code: 2,
      out: '',
      err: expect.stringMatching(/Unknown contract command "frob"/),
    });
  });
});

describe('toolgate contract (the real process)', () => {
  const bin = join(ROOT, 'bin/toolgate.js');
  const exec = promisify(execFile);
  const toolgate = async (args: string[]) => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [bin, 'contract', ...args], { cwd: dir });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('snapshot → diff exits 0; a breaking edit exits 1 and names the tool', async () => {
    // Relative paths resolve against the working directory, as in CI: the default file name is used.
    expect(await toolgate(['snapshot', '--config', CONFIG])).toMatchObject({ code: 0 });
    expect(readFileSync(join(dir, 'toolgate.contract.json'), 'utf8')).toBe(GOLDEN);
    expect(await toolgate(['diff', '--config', CONFIG])).toMatchObject({ code: 0, stderr: '' });
    const file = snapshotFile('process.json', (s) => s.tools.create_refund_draft.scopes.pop());
    const broken = await toolgate(['diff', '--config', CONFIG, '--against', file]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^BREAKING {2}tools\.create_refund_draft\.scopes {2}scope ".+" now required/);
  });
});
