import { describe, expect, it } from 'vitest';
import { waitingOutOutages } from '../../src/cli/audit-follow.js';
import { StoreUnavailableError } from '../../src/errors/toolgate-error.js';
import { isConnectionLoss } from '../../src/store/postgres/connection.js';

/** An io whose stderr is kept, for what the loop says. */
function captureIo() {
  let said = '';
  const stderr = { write: (text: string) => ((said += text), true) } as unknown as NodeJS.WritableStream;
  const io = { stdout: stderr, stderr, env: {} };
  return { io, err: () => said };
}

/** A store failure as mapPgError makes it: the driver's error as its cause. */
const storeFailure = (cause: { code?: string; message: string }) =>
  new StoreUnavailableError(`audit query: ${cause.message}`, Object.assign(new Error(cause.message), cause));

describe('the --follow loops wait out a lost connection, and only that', () => {
  it('tells a lost connection from a failure waiting will not cure', () => {
    for (const lost of [
      { code: '57P01', message: 'terminating connection due to administrator command' },
      { code: '08006', message: 'connection failure' },
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
      { message: 'Connection terminated unexpectedly' },
      { message: 'Query read timeout' },
    ])
      expect({ lost, is: isConnectionLoss(storeFailure(lost)) }).toEqual({ lost, is: true });
    for (const lasting of [
      { code: '42501', message: 'permission denied for table audit_events' },
      { code: '42P01', message: 'relation "audit_events" does not exist' },
      { code: '28P01', message: 'password authentication failed for user "toolgate"' },
    ])
      expect({ lasting, is: isConnectionLoss(storeFailure(lasting)) }).toEqual({ lasting, is: false });
  });

  it('retries a lost connection and says when it is back; ends at once on a permission error (it waited forever)', async () => {
    const { io, err } = captureIo();
    let calls = 0;
    // At most 10 waits in all: a failure retried that should not be fails here, not hangs.
    let pauses = 0;
    const pause = () => (++pauses > 10 ? Promise.reject(new Error('still waiting')) : Promise.resolve());
    const back = await waitingOutOutages(
      async () => {
        if (++calls < 3) throw storeFailure({ code: '57P01', message: 'terminating connection' });
        return 'page';
      },
      { enabled: true, label: 'tail', io, pause },
    );
    expect({ back, calls }).toEqual({ back: 'page', calls: 3 });
    expect(err()).toMatch(/^tail: .*trying again until it is back \(Ctrl-C stops\)\ntail: the database is back\n$/);

    const denied = storeFailure({ code: '42501', message: 'permission denied for table audit_events' });
    await expect(
      waitingOutOutages(() => Promise.reject(denied), { enabled: true, label: 'tail', io, pause }),
    ).rejects.toBe(denied);
    // Stopped (a signal) while waiting: null, for the loop to end on.
    const stopped = await waitingOutOutages(() => Promise.reject(storeFailure({ message: 'Query read timeout' })), {
      enabled: true,
      label: 'tail',
      io,
      pause,
      stopped: () => true,
    });
    expect(stopped).toBeNull();
  });
});
