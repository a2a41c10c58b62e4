import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import type { SessionStore } from '../store/types.js';

/**
 * Console sign-in sessions, kept in the store (issue #12) so every gateway instance behind a load
 * balancer knows them and a sign-out ends them everywhere. The browser holds a random id in an
 * HttpOnly cookie; the store holds only its SHA-256, the principal, the way it signed in, and a
 * per-session CSRF token every form must echo. Also keeps pending OIDC sign-ins (state, nonce,
 * PKCE verifier) server-side between the redirect to the IdP and the callback.
 */
export interface ConsoleSession {
  readonly id: string;
  readonly csrf: string;
  readonly principal: Principal;
  /** `token` (an approver token, development) or `oidc` (the company's IdP). */
  readonly method: 'token' | 'oidc';
  /** For `token`: the SHA-256 digest of the token it signed in with, to check it is still configured. */
  readonly tokenDigest?: string;
  /** What the header shows: the IdP's name or email, else the actor id. */
  readonly name: string;
  readonly expiresAt: number;
}

export interface ConsoleSessions {
  create(
    principal: Principal,
    method: ConsoleSession['method'],
    name?: string,
    tokenDigest?: string,
  ): Promise<ConsoleSession>;
  get(id: string | undefined): Promise<ConsoleSession | undefined>;
  destroy(id: string): Promise<void>;
  /** Stores a one-time record for `ttlMs`; returns the id to put in a cookie. */
  savePending(data: Readonly<Record<string, string>>, ttlMs: number): Promise<string>;
  /** The pending record, at most once; undefined when unknown, used or expired. */
  takePending(id: string | undefined): Promise<Readonly<Record<string, string>> | undefined>;
}

export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60_000;

const newId = () => randomBytes(32).toString('base64url');
/** 256 random bits: a plain digest is enough, no salt or slow hash needed. */
const digest = (id: string) => createHash('sha256').update(id).digest('hex');

export function createConsoleSessions(
  store: SessionStore,
  options: { readonly ttlMs?: number; readonly now?: () => number } = {},
): ConsoleSessions {
  const ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  const now = options.now ?? Date.now;
  let lastSweep = 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  // Expired rows are never returned (the lookup filters them); the sweep only keeps the table small.
  const sweep = async () => {
    if (now() - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now();
    await store.deleteExpired(iso(now())).catch(() => undefined);
  };

  return {
    async create(principal, method, name, tokenDigest) {
      await sweep();
      const session = {
        id: newId(),
        csrf: newCsrfToken(),
        principal,
        method,
        name: name ?? principal.actorId,
        ...(tokenDigest === undefined ? {} : { tokenDigest }),
        expiresAt: now() + ttlMs,
      };
      const data = JSON.stringify({ csrf: session.csrf, principal, method, name: session.name, tokenDigest });
      await store.create({
        idHash: digest(session.id),
        kind: 'session',
        data,
        createdAt: iso(now()),
        expiresAt: iso(session.expiresAt),
      });
      return session;
    },
    async get(id) {
      if (!id) return undefined;
      const record = await store.get(digest(id), 'session', iso(now()));
      if (!record) return undefined;
      const data = JSON.parse(record.data) as Omit<ConsoleSession, 'id' | 'expiresAt'>;
      return { ...data, id, expiresAt: Date.parse(record.expiresAt) };
    },
    async destroy(id) {
      await store.delete(digest(id));
    },
    async savePending(data, pendingTtlMs) {
      await sweep();
      const id = newId();
      await store.create({
        idHash: digest(id),
        kind: 'oidc_login',
        data: JSON.stringify(data),
        createdAt: iso(now()),
        expiresAt: iso(now() + pendingTtlMs),
      });
      return id;
    },
    async takePending(id) {
      if (!id) return undefined;
      const record = await store.take(digest(id), 'oidc_login', iso(now()));
      return record ? (JSON.parse(record.data) as Record<string, string>) : undefined;
    },
  };
}

export const newCsrfToken = () => randomBytes(24).toString('base64url');

export function csrfMatches(session: ConsoleSession, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
