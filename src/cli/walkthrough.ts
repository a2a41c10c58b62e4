import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import type { Principal } from '../auth/principal.js';
import { createGateway } from '../gateway/create-gateway.js';
import type { CallResult } from '../pipeline/types.js';
import { openSqliteStore } from '../store/sqlite/index.js';

import { parseCommand, type CliIo } from './args.js';
import { envSetting } from '../config/env.js';

const USAGE = `Usage: toolgate walkthrough [--db FILE]

Five calls through the whole pipeline in one process (allowed, cross-tenant, injection, missing
scope, bad argument), then verifies the audit chain. No servers, no network.

Options:
  --db FILE     SQLite file for the audit log (default: TOOLGATE_DB or .toolgate/demo.db)
  -h, --help    This help`;

/**
 * `toolgate walkthrough`: the read-only path of the brief, step by step, on an embedded SQLite store.
 * Each call goes through the whole pipeline; the audit chain is verified at the end.
 */
export async function runWalkthroughCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(argv, io, { usage: USAGE, options: { db: { type: 'string' } } });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const path = values.db ?? envSetting(io.env, 'TOOLGATE_DB') ?? '.toolgate/demo.db';
  mkdirSync(dirname(path), { recursive: true });
  const store = await openSqliteStore({ path });
  const gateway = createGateway({ tools: walkthroughTools, credentials: walkthroughCredentials, store });
  const agent: Principal = {
    actorId: 'usr_support_ada',
    tenant: 'acme',
    roles: ['support'],
    scopes: ['billing:read', 'tickets:read'],
  };
  const say = (text: string) => io.stdout.write(`${text}\n`);
  const show = (title: string, result: CallResult) => {
    say(`\n▸ ${title}`);
    say(
      result.ok
        ? `  ok — ${result.resultBytes} bytes, audit ${result.auditId}`
        : `  ${result.error.code} — ${result.error.message} (audit ${result.auditId})`,
    );
    say(`  ${result.text}`);
  };
  const call = (tool: string, args: unknown, principal = agent) =>
    gateway.call({ tool, args, principal, client: 'demo', surface: 'cli', requestId: 'demo' });

  try {
    say(`Toolgate walkthrough — audit store: ${path}`);
    show(
      'Billing summary for cus_123 (allowed)',
      await call('get_customer_billing_summary', {
        customer_id: 'cus_123',
        reason: 'customer asked about a declined card',
      }),
    );
    show(
      'Billing summary for cus_900 of another tenant (denied)',
      await call('get_customer_billing_summary', { customer_id: 'cus_900', reason: 'testing the tenant boundary' }),
    );
    show(
      'Tickets: injection text is wrapped and flagged, the card number masked',
      await call('search_support_ticket', { customer_id: 'cus_123' }),
    );
    show(
      'Missing scope (denied)',
      await call('search_support_ticket', { customer_id: 'cus_123' }, { ...agent, scopes: ['billing:read'] }),
    );
    show(
      'Wrong argument type (named field)',
      await call('get_customer_billing_summary', { customer_id: 123, reason: 'x' }),
    );
    const report = await store.audit.verify();
    say(
      `\nAudit chain: ${report.ok ? `ok, ${report.count} events` : `TAMPERED at seq ${report.firstBadSeq}: ${report.message}`}`,
    );
    say('Try: npx toolgate audit tail --db ' + path);
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}
