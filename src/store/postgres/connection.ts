import pg from 'pg';
import { StoreUnavailableError, ToolgateError, UNREACHABLE } from '../../errors/toolgate-error.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** How long a store waits on a PostgreSQL server that does not answer before it is `unavailable`. */
export interface PgTimeouts {
  /** To open a connection (a host that accepts TCP and says nothing hung startup forever). */
  readonly connectMs: number;
  /** For any one query's answer, on the client: a network that stops passing bytes. */
  readonly queryMs: number;
}

export const PG_TIMEOUTS: PgTimeouts = { connectMs: 5_000, queryMs: 10_000 };

/**
 * A pool with deadlines. Without them a database that stopped answering (a partition, a hung
 * server) hung startup, every call, /readyz, SIGTERM and `audit verify` with it. The server gets
 * deadlines just inside the client's (statement_timeout; lock_timeout as SQLite's LOCK_WAIT_MS;
 * idle_in_transaction_session_timeout, below), so a slow statement is cancelled there and the
 * connection stays usable; the client's own deadline covers a server that cannot be reached at
 * all. An idle client that loses its server must not crash the process (the pool's 'error'); the
 * next query reports it.
 */
export function createPool(
  connectionString: string,
  options: { readonly max: number; readonly readOnly?: boolean; readonly timeouts?: PgTimeouts },
): Pool {
  const { connectMs, queryMs } = options.timeouts ?? PG_TIMEOUTS;
  const statementMs = Math.max(1, queryMs - 1_000);
  const lockMs = Math.min(5_000, queryMs);
  const serverSide = [`statement_timeout=${statementMs}`, `lock_timeout=${lockMs}`];
  if (options.readOnly) serverSide.push('default_transaction_read_only=on');
  else {
    // A gateway paused mid-transaction (a VM freeze, a long GC, SIGSTOP) holds its row locks, and
    // statement_timeout does not run while no statement does: in an outside probe one stopped
    // instance holding the audit head stalled every instance for as long as it was stopped. The
    // server ends such a session well inside the waiters' deadlines; its transaction rolls back.
    // Not for the read-only pool: `audit export` reads pages in one transaction at the pace of
    // whatever consumes its output.
    const idleMs = Math.max(100, Math.floor(Math.min(lockMs, statementMs) * 0.4)); // 2 s by default
    serverSide.push(`idle_in_transaction_session_timeout=${idleMs}`);
  }
  const pool = new pg.Pool({
    connectionString,
    max: options.max,
    connectionTimeoutMillis: connectMs,
    query_timeout: queryMs,
    // A server that vanished without a word (a partition) is noticed by the kernel, not only by
    // a query's deadline: migrations wait up to an hour (review).
    keepAlive: true,
    options: serverSide.map((setting) => `-c ${setting}`).join(' '),
  });
  pool.on('error', () => undefined);
  return pool;
}

/** Maps driver errors to typed ones: a unique violation is `conflict`, anything else `unavailable`. */
export function mapPgError(what: string, error: unknown): Error {
  if (error instanceof ToolgateError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === '23505')
    return new ToolgateError('conflict', 'That record already exists or conflicts with another.', {
      detail: `${what}: ${String(error)}`,
      cause: error,
    });
  return new StoreUnavailableError(`${what}: ${error instanceof Error ? error.message : String(error)}`, error);
}

/**
 * Whether a store failure is the server going away or not answering (a restart, a failover, a
 * partition), which waiting may cure, rather than one it never will (permissions, a dropped
 * table, a bad password). Looks through the `cause` of the typed error: SQLSTATE classes 08
 * (connection) and 57P01–57P03 (shutdown, crash, cannot connect now), the socket errors a
 * handler's fetch also counts as unreachable (UNREACHABLE), and node-pg's own words for a
 * connection that ended or a reply that never came.
 */
export function isConnectionLoss(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (code.startsWith('08') || /^57P0[123]$/.test(code) || UNREACHABLE.has(code)))
      return true;
    if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
  }
  return false;
}

const LOST_CONNECTION = /Connection terminated|Query read timeout|timeout exceeded when trying to connect/i;

export async function q<T extends pg.QueryResultRow>(
  pool: Pool,
  what: string,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<T>> {
  try {
    return await pool.query<T>(sql, params);
  } catch (error) {
    throw mapPgError(what, error);
  }
}

/** Runs `work` in one transaction on one connection; rolls back on any error. */
export function transaction<T>(pool: Pool, what: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return transactionFrom(pool, what, null, (client) => work(client));
}

/**
 * A transaction whose first statement (`first`, which takes no parameters) goes in one round trip
 * with its BEGIN, as one simple-protocol query; `work` gets that statement's rows. The audit log
 * starts every batch this way (issue #15): a round trip less per batch, which is what PostgreSQL
 * group commit waits on.
 */
export async function transactionFrom<R extends pg.QueryResultRow, T>(
  pool: Pool,
  what: string,
  first: string | null,
  work: (client: PoolClient, rows: R[]) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw mapPgError(what, error);
  }
  // The pool listens for errors only on idle clients. A checked-out client whose server goes
  // away (a restart, a failover, pg_terminate_backend) emits 'error' after its query has already
  // failed; with no listener that was an uncaught exception that ended the process. The query's
  // own rejection reports it; the client is then destroyed, not returned to the pool.
  let lost: Error | undefined;
  const onLost = (error: Error) => (lost = error);
  client.on('error', onLost);
  try {
    let rows: R[] = [];
    if (first === null) await client.query('BEGIN');
    else {
      // Two statements, two results: BEGIN's and first's. Anything else is not a reply to trust.
      const results = (await client.query(`BEGIN; ${first}`)) as unknown as pg.QueryResult<R>[];
      if (!Array.isArray(results) || results.length !== 2) throw new Error(`unexpected reply to BEGIN; ${first}`);
      rows = results[1]!.rows;
    }
    const result = await work(client, rows);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A reply that never came (the client's own deadline): the connection is as good as gone, and
    // its ROLLBACK would wait out the same deadline again (an outside probe saw a call held 25 s,
    // queued behind such a batch on a frozen server). Dropping the connection rolls the
    // transaction back on the server.
    if (!lost && error instanceof Error && /Query read timeout/.test(error.message)) lost = error;
    if (!lost) await client.query('ROLLBACK').catch((rollback: Error) => (lost = rollback));
    throw mapPgError(what, error);
  } finally {
    client.off('error', onLost);
    client.release(lost);
  }
}
