import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../helpers/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAcmeTokens, startAcme } from '../../examples/acme/api/start.js';
import { demoEnvironment } from '../../examples/acme/demo-env.js';
import { DEMO_PRINCIPALS } from '../../examples/acme/principals.js';
import { acmeConfig } from '../../examples/acme/toolgate.config.js';
import { silentLogger } from '../../src/log/logger.js';
import { startServer, type RunningServer } from '../../src/server/start-server.js';
import { CONSOLE_SECRET, freePort, startTestIdp } from './oidc-support.js';

/**
 * The demo's wiring in a real browser: the Acme config with its IdP (examples/acme/idp), an
 * approver signs in through the IdP's own sign-in page, approves a refund, and the audit names
 * the IdP subject.
 */
const missing = chromiumMissing;
if (missing) console.warn(`\n⚠ SKIPPED console OIDC browser test: ${missing}\n`);

describe.skipIf(missing !== null)('console sign-in through the IdP in a real browser (headless Chromium)', () => {
  let dir: string;
  let acme: Awaited<ReturnType<typeof startAcme>>;
  let idp: Awaited<ReturnType<typeof startTestIdp>>;
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolgate-oidc-console-'));
    const tokens = newAcmeTokens();
    acme = await startAcme({ dbPath: join(dir, 'acme.db'), tokens });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    idp = await startTestIdp([url]);
    const env = {
      ...demoEnvironment(acme.url, tokens),
      PORT: String(port),
      TOOLGATE_PUBLIC_URL: url,
      TOOLGATE_DB: join(dir, 'toolgate.db'),
      TOOLGATE_DEMO_IDP_ISSUER: idp.issuer,
      TOOLGATE_DEMO_CONSOLE_SECRET: CONSOLE_SECRET,
    };
    server = await startServer(acmeConfig(env), env, silentLogger);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await idp?.close();
    await acme?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an approver signs in at the IdP, approves a refund, and the audit names her subject', async () => {
    const drafted = await server.gateway.call({
      tool: 'create_refund_draft',
      args: { invoice_id: 'inv_789', amount_usd: 7.5, reason: 'charged twice for July' },
      principal: DEMO_PRINCIPALS.agent,
      client: 'support_assistant',
      surface: 'mcp_http',
    });
    expect(drafted.ok).toBe(true);
    const draftId = drafted.ok ? String(drafted.structured.draft_id) : '';
    const grace = idp.user('grace');

    const page = await browser.newPage();
    await page.goto(`${server.url}/console`);
    expect(page.url()).toMatch(/\/console\/login$/);
    await page.click('a:has-text("Sign in with Acme IdP")');
    await page.waitForSelector('h1:has-text("Sign in to Acme")');
    expect(new URL(page.url()).origin).toBe(idp.issuer);
    await page.fill('input[name=password]', 'not-her-password');
    await page.fill('input[name=username]', grace.username);
    await page.click('button:has-text("Sign in")');
    expect(await page.textContent('#error')).toContain('wrong password');
    await page.fill('input[name=username]', grace.username);
    await page.fill('input[name=password]', grace.password);
    await page.click('button:has-text("Sign in")');
    await page.waitForSelector('h1:has-text("Approvals inbox")');
    expect(page.url()).toBe(`${server.url}/console`);
    expect(await page.textContent('header')).toContain('usr_lead_grace');

    await page.click(`a:has-text("${draftId}")`);
    await page.waitForSelector('h1:has-text("Draft")');
    await page.fill('form[action$="/approve"] textarea[name=reason]', 'Double charge confirmed in the payment log');
    await page.click('button:has-text("Approve and execute")');
    await page.waitForSelector('.flash.ok');
    expect(await page.textContent('.flash.ok')).toContain('draft is now verified');

    const [approval] = await server.store.audit.query({ kind: 'action.approved', sourceId: draftId });
    expect(approval).toMatchObject({ actor: 'usr_lead_grace', surface: 'console' });
    const [signIn] = await server.store.audit.query({ kind: 'console.signed_in', subject: 'usr_lead_grace' });
    expect(signIn).toMatchObject({ issuer: idp.issuer, clientId: 'toolgate-console' });
    const cookies = await page.context().cookies(`${server.url}/console`);
    expect(cookies.find((c) => c.name === 'tg_console')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    await page.click('button:has-text("Sign out")');
    await page.waitForURL(/\/console\/login$/);
    await page.goto(`${server.url}/console`);
    expect(page.url()).toMatch(/\/console\/login$/);
    await page.close();
  }, 60_000);
});
