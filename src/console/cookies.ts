import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

/**
 * A console cookie's name and attributes. Under https every console cookie is `__Host-<name>`
 * (Secure, Path=/, no Domain), which only this origin can set: a sibling subdomain could plant its
 * own session, or its own pending OIDC sign-in, which the callback then completed into the
 * approver's browser, who would decide as that person (outside probe and review, 2026-12-07).
 * Browsers refuse the prefix over http, so local development keeps plain names scoped by path.
 * A page on another port of the same host can set either: cookies do not separate ports.
 */
export interface ConsoleCookie {
  readonly name: string;
  readonly options: { httpOnly: true; sameSite: 'Lax'; path: string; secure: boolean };
}

export function consoleCookie(secure: boolean, base: string, path: string): ConsoleCookie {
  const options = { httpOnly: true as const, sameSite: 'Lax' as const, secure };
  return secure
    ? { name: `__Host-${base}`, options: { ...options, path: '/' } }
    : { name: base, options: { ...options, path } };
}

export const readCookie = (c: Context, cookie: ConsoleCookie) => getCookie(c, cookie.name);

export function writeCookie(c: Context, cookie: ConsoleCookie, value: string, maxAgeSec?: number): void {
  setCookie(c, cookie.name, value, { ...cookie.options, ...(maxAgeSec === undefined ? {} : { maxAge: maxAgeSec }) });
}

export function dropCookie(c: Context, cookie: ConsoleCookie): void {
  deleteCookie(c, cookie.name, { path: cookie.options.path, secure: cookie.options.secure });
}
