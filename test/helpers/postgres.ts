import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

/**
 * A throwaway PostgreSQL server from the installed binaries (initdb + pg_ctl), on loopback, in
 * a temp directory. As root it runs the server as the `postgres` system user, since PostgreSQL
 * refuses to run as root. Returns null (callers skip with a notice) when no binaries exist.
 */
export interface ThrowawayPostgres {
  readonly url: (database: string) => string;
  createDatabase(): Promise<string>;
  /** Starts the server again if it stopped (after a PANIC on a full disk). */
  ensureRunning(): void;
  stop(): void;
}

export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

export async function startThrowawayPostgres(
  options: {
    readonly fsync?: boolean;
    /** Where the cluster lives (e.g. a small tmpfs, to fill it); a fresh temp directory by default. */
    readonly dir?: string;
    /** WAL segment size in MB (initdb --wal-segsize); small segments make a full disk bite sooner. */
    readonly walSegmentMb?: number;
  } = {},
): Promise<ThrowawayPostgres | null> {
  const bin = findPostgresBin();
  if (!bin) return null;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'toolgate-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) => {
    const full = asRoot
      ? (['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] as const)
      : ([join(bin, cmd), args] as const);
    const r = spawnSync(full[0], [...full[1]], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const port = await freePort();
  const segment = options.walSegmentMb ? [`--wal-segsize=${options.walSegmentMb}`] : [];
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'toolgate', '--no-sync', '-E', 'UTF8', ...segment]);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-o',
      // Tests skip fsync for speed; the benchmark turns it on so PostgreSQL is as durable as SQLite.
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=${options.fsync ? 'on' : 'off'}`,
      'start',
    ]);
  start();
  let n = 0;
  const url = (database: string) => `postgres://toolgate@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase() {
      const name = `t_${process.pid}_${++n}`;
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      return url(name);
    },
    ensureRunning() {
      // A PostgreSQL that could not write its WAL (a full disk) shuts down; an operator restarts it.
      const status = spawnSync(asRoot ? 'runuser' : join(bin, 'pg_ctl'), [
        ...(asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []),
        '-D',
        data,
        'status',
      ]);
      if (status.status !== 0) start();
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        // A directory the caller chose (a tmpfs mount) is the caller's to clean up.
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
