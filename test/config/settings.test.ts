import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveSettings } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log/logger.js';
import { runAuditCommand } from '../../src/cli/audit.js';
import { runCli } from '../helpers/capture-io.js';

const config = { tools: [] };

describe('settings from the environment', () => {
  it('an empty or blank variable means "not set": the next source applies', () => {
    // Before, TOOLGATE_DB= was a database named "" and an empty TOOLGATE_DATABASE_URL hid TOOLGATE_DB.
    expect(resolveSettings(config, { TOOLGATE_DB: '' }).database).toBe('.toolgate/toolgate.db');
    expect(resolveSettings(config, { TOOLGATE_DATABASE_URL: ' ', TOOLGATE_DB: '/srv/t.db' }).database).toBe(
      '/srv/t.db',
    );
    expect(resolveSettings({ ...config, database: '/etc/c.db' }, { TOOLGATE_DB: '' }).database).toBe('/etc/c.db');
    expect(resolveSettings(config, { HOST: '', TOOLGATE_PUBLIC_URL: '' })).toMatchObject({
      host: '127.0.0.1',
      publicUrl: null,
    });
  });

  it('refuses a bad PORT where a port is bound, not in commands that never listen', () => {
    const settings = resolveSettings(config, { PORT: 'abc' });
    expect(settings.database).toBe('.toolgate/toolgate.db'); // check, stdio, approvals: fine
    expect(() => settings.port).toThrow('PORT must be an integer 0–65535 (got "abc").');
    expect(resolveSettings(config, { PORT: '0' }).port).toBe(0);
  });

  it('reads on/off variables in the usual spellings and refuses the rest, naming the variable', async () => {
    // Before, only the exact string "true" counted: TOOLGATE_READ_ONLY=1 left every write action on.
    for (const on of ['true', 'TRUE', '1', 'yes', 'On']) {
      expect(resolveSettings(config, { TOOLGATE_TRUST_PROXY: on }).trustProxy).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'toolgate-flag-'));
      try {
        writeFileSync(join(dir, 'toolgate.config.mjs'), 'export default { tools: [] };\n');
        expect((await loadConfig(undefined, dir, { TOOLGATE_READ_ONLY: on })).config.readOnly).toBe(true);
        if (on === '1')
          await expect(loadConfig(undefined, dir, { TOOLGATE_READ_ONLY: 'y' })).rejects.toThrow(
            /TOOLGATE_READ_ONLY must be one of/,
          );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    for (const off of ['false', '0', 'no', 'OFF'])
      expect(resolveSettings(config, { TOOLGATE_FAST_PATH: off }).fastPath).toBe(false);
    expect(resolveSettings(config, {})).toMatchObject({ fastPath: true, trustProxy: false });
    expect(() => resolveSettings(config, { TOOLGATE_FAST_PATH: 'nope' })).toThrow(
      'TOOLGATE_FAST_PATH must be one of true, 1, yes, on, false, 0, no, off (got "nope").',
    );
  });

  it('a PORT is digits only, and a public URL must be an http(s) URL, named when it is not', () => {
    expect(() => resolveSettings(config, { PORT: '0x4968' }).port).toThrow('PORT must be an integer');
    expect(() => resolveSettings(config, { PORT: '1e3' }).port).toThrow('PORT must be an integer');
    expect(resolveSettings(config, { PORT: ' 8080 ' }).port).toBe(8080);
    expect(() => resolveSettings(config, { TOOLGATE_PUBLIC_URL: 'notaurl' }).publicUrl).toThrow(
      'TOOLGATE_PUBLIC_URL must be an http(s) URL such as https://toolgate.example.com (got "notaurl").',
    );
    expect(() => resolveSettings({ ...config, publicUrl: 'ftp://x' }, {}).publicUrl).toThrow(/^publicUrl must be/);
    expect(resolveSettings(config, { TOOLGATE_PUBLIC_URL: 'https://tg.example.com' }).publicUrl).toBe(
      'https://tg.example.com',
    );
    expect(resolveSettings(config, { TOOLGATE_PUBLIC_URL: 'notaurl' }).database).toBe('.toolgate/toolgate.db');
  });

  it('refuses a drain deadline that is not a whole number of milliseconds, naming the variable', () => {
    for (const bad of ['abc', '-5', '1.5']) {
      expect(() => resolveSettings(config, { TOOLGATE_DRAIN_MS: bad })).toThrow(
        `TOOLGATE_DRAIN_MS must be a whole number of milliseconds (got "${bad}")`,
      );
    }
    expect(resolveSettings(config, { TOOLGATE_DRAIN_MS: '0' }).drainMs).toBe(0);
  });

  it('reads the PostgreSQL pool size from TOOLGATE_DATABASE_POOL, refusing anything but 1–1000 by name', () => {
    for (const bad of ['0', 'abc', '1e3', '0x10', '-2', '2.5', '1001']) {
      expect(() => resolveSettings(config, { TOOLGATE_DATABASE_POOL: bad })).toThrow(
        `TOOLGATE_DATABASE_POOL must be a whole number of connections, 1–1000 (got "${bad}")`,
      );
    }
    expect(resolveSettings(config, { TOOLGATE_DATABASE_POOL: ' 25 ' }).databasePool).toBe(25);
    expect(resolveSettings(config, { TOOLGATE_DATABASE_POOL: '' }).databasePool).toBeUndefined();
    expect(resolveSettings(config, {}).databasePool).toBeUndefined();
  });

  it('refuses a database URL that is not PostgreSQL, naming the variable and never the rest of the URL', () => {
    // `mysql://x` was opened as a SQLite path: a `mysql:` folder, served from (outside probe).
    expect(() => resolveSettings(config, { TOOLGATE_DATABASE_URL: 'mysql://app:hunter2@db/x' })).toThrow(
      'TOOLGATE_DATABASE_URL is a mysql:// URL; Toolgate stores in PostgreSQL (postgres:// or postgresql://) or a SQLite file path.',
    );
    expect(() => resolveSettings(config, { TOOLGATE_DB: 'sqlite://x.db' })).toThrow(
      /^TOOLGATE_DB is a sqlite:\/\/ URL/,
    );
    expect(() => resolveSettings({ ...config, database: 'redis://r' }, {})).toThrow(/^database is a redis:\/\/ URL/);
    for (const good of ['postgres://u@h/db', 'postgresql://u@h/db', 'data/toolgate.db', '/var/lib/t.db'])
      expect(resolveSettings(config, { TOOLGATE_DATABASE_URL: good }).database).toBe(good);
  });

  it('the audit commands skip an empty TOOLGATE_DATABASE_URL too', async () => {
    const r = await runCli(runAuditCommand, ['verify'], {
      TOOLGATE_DATABASE_URL: '',
      TOOLGATE_DB: '/nonexistent/t.db',
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('No Toolgate database at /nonexistent/t.db');
  });
});

describe('a config or log level that cannot be used', () => {
  it('names the config file when loading it fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-config-'));
    try {
      const broken = join(dir, 'broken.config.mjs');
      writeFileSync(broken, 'export default {');
      await expect(loadConfig(broken)).rejects.toThrow(`Could not load ${broken}: `);
      const throwing = join(dir, 'throwing.config.mjs');
      writeFileSync(throwing, "throw new Error('boom in config');");
      await expect(loadConfig(throwing)).rejects.toThrow(`Could not load ${throwing}: boom in config`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names TOOLGATE_LOG_LEVEL and the levels it takes', () => {
    expect(() => createLogger('loud')).toThrow(
      'TOOLGATE_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent (got "loud").',
    );
    expect(createLogger('warn').level).toBe('warn');
  });
});
