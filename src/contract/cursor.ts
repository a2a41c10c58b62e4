import { createHmac, timingSafeEqual } from 'node:crypto';
import { ToolgateError } from '../errors/toolgate-error.js';

/**
 * Opaque pagination cursors (R3). A cursor is base64url(JSON) plus an HMAC, so the model can
 * hand it back but cannot forge one that reaches records it was not shown, and a cursor from one
 * tool is refused by another.
 */
export interface CursorCodec {
  encode(position: Record<string, unknown>): string;
  /** Throws invalid_input on a cursor that was altered, forged or issued for another tool. */
  decode(cursor: string): Record<string, unknown>;
}

export function createCursorCodec(key: Buffer, tool: string): CursorCodec {
  const sign = (payload: string) =>
    createHmac('sha256', key).update(tool).update('\0').update(payload).digest('base64url').slice(0, 22);
  const bad = () =>
    new ToolgateError('invalid_input', 'cursor is not valid: pass back next_cursor exactly as it was returned.', {
      field: 'cursor',
    });
  return {
    encode(position) {
      const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
      return `${payload}.${sign(payload)}`;
    },
    decode(cursor) {
      const [payload, mac, extra] = cursor.split('.');
      if (!payload || !mac || extra !== undefined) throw bad();
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(mac);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw bad();
      try {
        const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad();
        return value as Record<string, unknown>;
      } catch {
        throw bad();
      }
    },
  };
}
