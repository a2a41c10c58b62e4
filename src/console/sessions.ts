import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../auth/principal.js';

/**
 * Console sign-in sessions: an opaque id in an HttpOnly, SameSite=Strict cookie, and a per-session
 * CSRF token every form must echo. Kept in memory: a restart signs approvers out, and several
 * gateway instances need sticky console sessions (the MCP endpoint itself stays stateless).
 */
export interface ConsoleSession {
  readonly id: string;
  readonly csrf: string;
  readonly principal: Principal;
  readonly expiresAt: number;
}

const TTL_MS = 8 * 60 * 60 * 1000;

export function createSessionStore(now: () => number = Date.now) {
  const sessions = new Map<string, ConsoleSession>();
  return {
    create(principal: Principal): ConsoleSession {
      const session = {
        id: randomBytes(24).toString('base64url'),
        csrf: randomBytes(24).toString('base64url'),
        principal,
        expiresAt: now() + TTL_MS,
      };
      sessions.set(session.id, session);
      return session;
    },
    get(id: string | undefined): ConsoleSession | undefined {
      const session = id ? sessions.get(id) : undefined;
      if (session && session.expiresAt <= now()) {
        sessions.delete(session.id);
        return undefined;
      }
      return session;
    },
    destroy: (id: string) => sessions.delete(id),
  };
}

export const newCsrfToken = () => randomBytes(24).toString('base64url');

export function csrfMatches(session: ConsoleSession, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
