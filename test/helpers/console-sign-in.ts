import { expect } from 'vitest';

/** Signs in to the console with a static approver token; returns the session's Set-Cookie line whole. */
export async function signInWithToken(url: string, token: string): Promise<string> {
  const form = await fetch(`${url}/console/login`);
  const loginCsrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const login = await fetch(`${url}/console/login`, {
    method: 'POST',
    headers: { cookie: (form.headers.get('set-cookie') ?? '').split(';')[0]! },
    body: new URLSearchParams({ token, csrf: loginCsrf }),
    redirect: 'manual',
  });
  expect(login.status).toBe(302);
  return login.headers.getSetCookie().find((c) => /^(__Host-)?tg_console=/.test(c))!;
}
