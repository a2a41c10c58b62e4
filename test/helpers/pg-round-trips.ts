import pg from 'pg';
import { vi } from 'vitest';

/**
 * Every round trip this process's PostgreSQL clients make that touches the audit chain's head, by
 * what it is: `BEGIN` (the transaction that takes the head's lock), `statement` (rows and the
 * head's move), `COMMIT`. Counts what the audit log sends, until `stop()`.
 */
export function headRoundTrips(): { readonly trips: string[]; stop(): void } {
  const trips: string[] = [];
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    if (text?.startsWith('BEGIN') && text.includes('audit_head')) trips.push('BEGIN');
    else if (text === 'COMMIT') trips.push('COMMIT');
    else if (text?.includes('audit_head')) trips.push('statement');
    return original.apply(this, args);
  } as never);
  return { trips, stop: () => spy.mockRestore() };
}
