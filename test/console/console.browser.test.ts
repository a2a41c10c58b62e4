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

const missing = chromiumMissing;
if (missing) console.warn(`\n⚠ SKIPPED console browser test: ${missing}\n`);

describe.skipIf(missing !== null)('approvals console in a real browser (headless Chromium)', () => {
  let dir: string;
  let acme: Awaited<ReturnType<typeof startAcme>>;
  let server: RunningServer;
  let env: Record<string, string>;
  let browser: Browser;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolgate-console-'));
    const tokens = newAcmeTokens();
    acme = await startAcme({ dbPath: join(dir, 'acme.db'), tokens });
    env = { ...demoEnvironment(acme.url, tokens), PORT: '0', TOOLGATE_DB: join(dir, 'toolgate.db') };
    server = await startServer(acmeConfig(env), env, silentLogger);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await acme?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'an approver signs in, approves a refund draft, sees it executed and verified, ' + 'and verifies the audit chain',
    async () => {
      const drafted = await server.gateway.call({
        tool: 'create_refund_draft',
        args: { invoice_id: 'inv_789', amount_usd: 12.5, reason: 'charged twice for June' },
        principal: DEMO_PRINCIPALS.agent,
        client: 'support_assistant',
        surface: 'mcp_http',
      });
      expect(drafted.ok).toBe(true);
      const draftId = drafted.ok ? String(drafted.structured.draft_id) : '';

      const page = await browser.newPage();
      await page.goto(`${server.url}/console`);
      expect(page.url()).toMatch(/\/console\/login$/);
      await page.fill('input[name=token]', env.TOOLGATE_DEMO_APPROVER_TOKEN!);
      await page.click('button:has-text("Sign in")');
      await page.waitForSelector('h1:has-text("Approvals inbox")');
      expect(await page.textContent('table')).toContain('Refund $12.50 of inv_789');

      await page.click(`a:has-text("${draftId}")`);
      await page.waitForSelector('h1:has-text("Draft")');
      expect(await page.textContent('main')).toContain('Reversible: Void the refund in Acme before it settles.');
      await page.fill('form[action$="/approve"] textarea[name=reason]', 'Double charge confirmed in the payment log');
      await page.click('button:has-text("Approve and execute")');
      await page.waitForSelector('.flash.ok');
      expect(await page.textContent('.flash.ok')).toContain('draft is now verified');
      const timeline = await page.textContent('table');
      for (const kind of [
        'action.drafted',
        'action.approved',
        'action.executing',
        'action.executed',
        'action.verified',
      ])
        expect(timeline).toContain(kind);
      await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT ?? join(dir, 'draft.png'), fullPage: true });

      await page.click('a:has-text("Audit log")');
      await page.click('button:has-text("Verify chain")');
      await page.waitForSelector('#verify-result');
      expect(await page.textContent('#verify-result')).toMatch(/^Chain intact: \d+ events/);
      // The anchor shown is one `audit verify --anchor` takes: the whole SEQ:HASH, not a prefix.
      expect(await page.textContent('#anchor')).toMatch(/^\d+:[0-9a-f]{64}$/);
      await page.close();
    },
    60_000,
  );

  it('refuses a model-client token at sign-in and a form post without the CSRF token', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/console/login`);
    await page.fill('input[name=token]', env.TOOLGATE_DEMO_AGENT_TOKEN!);
    await page.click('button:has-text("Sign in")');
    expect(await page.textContent('.flash.error')).toContain('model-client token');

    await page.fill('input[name=token]', env.TOOLGATE_DEMO_APPROVER_TOKEN!);
    await page.click('button:has-text("Sign in")');
    await page.waitForSelector('h1:has-text("Approvals inbox")');
    const drafted = await server.gateway.call({
      tool: 'create_refund_draft',
      args: { invoice_id: 'inv_789', amount_usd: 1, reason: 'csrf probe draft' },
      principal: DEMO_PRINCIPALS.agent,
      client: 'support_assistant',
      surface: 'mcp_http',
    });
    const id = drafted.ok ? String(drafted.structured.draft_id) : '';
    const forged = await page.request.post(`${server.url}/console/drafts/${id}/approve`, {
      form: { reason: 'forged without csrf' },
    });
    expect(forged.status()).toBe(403);
    expect((await server.gateway.actions.get(id))?.status).toBe('awaiting_approval');
    await page.close();
  }, 60_000);
});
