import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAction } from '../../src/actions/define-action.js';
import { staticCredentials } from '../../src/credentials/provider.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import type { Store } from '../../src/store/types.js';
import { approver, requester } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

/**
 * Outside probe (an operator of the audit log): every `action.*` event kept the draft's input
 * raw — a card number, an SSN, an API key and the gateway's own approver token among it — five or
 * six times per draft, and `action.executed` kept the upstream's echo of them, while the call's
 * own event was redacted. The log is append-only; what goes in cannot be taken out.
 */
const APPROVER_TOKEN = 'tg_approver_8f44fa4f9d3fc546d1342e648a50df88';
const credentials = staticCredentials({ test: { notes_write: 'notes-write-credential-7f3a9c0d' } }, 'test');
const notes: Record<string, string> = {};
const appendNote = defineAction({
  name: 'append_account_note',
  description: "Append a note to one account of the caller's tenant, after approval.",
  input: z.object({ account_id: z.string(), note: z.string() }),
  preview: z.object({ account_id: z.string(), effect: z.string() }),
  risk: 'low',
  approval: { roles: ['billing_approver'] },
  scopes: ['refunds:draft'],
  tenant: 'caller',
  credentials: ['notes_write'],
  describe: ({ account_id }) => ({ account_id, effect: `Append a note to ${account_id}.` }),
  // The upstream echoes what it stored, as many APIs do.
  execute: async ({ account_id, note }) => ((notes[account_id] = note), { account_id, stored: note }),
  verify: async ({ account_id, note }) => ({ ok: notes[account_id] === note, detail: `note stored: ${note}` }),
});

let store: Store;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ store, cleanup } = await tempSqliteStore()));
afterEach(async () => cleanup());

describe('the audit events of a write action', () => {
  it('keep its input, its result and the reasons redacted and masked, as a call event is', async () => {
    const gw = createGateway({
      tools: [appendNote],
      store,
      credentials,
      secrets: [APPROVER_TOKEN],
    });
    const note =
      'Jane Roe (jane.roe@example.com, card 4111 1111 1111 1111) asked; ' +
      `Authorization: Bearer ${APPROVER_TOKEN}; key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789`;
    const drafted = await gw.call({
      tool: 'append_account_note',
      args: { account_id: 'acct_1', note },
      principal: requester,
      client: 'app',
      surface: 'direct',
    });
    expect(drafted.ok).toBe(true);
    const id = (drafted as unknown as { structured: { draft_id: string } }).structured.draft_id;
    const settled = await gw.actions.approve(id, approver(), {
      reason: 'customer called from 415-555-0199, confirmed',
      surface: 'api',
    });
    expect(settled.status).toBe('verified');

    const events = await store.audit.query({ limit: 100 });
    const actionEvents = events.filter((e) => e.kind.startsWith('action.'));
    expect(actionEvents.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['action.drafted', 'action.approved', 'action.executed', 'action.verified']),
    );
    const logged = JSON.stringify(events);
    for (const leaked of [
      'jane.roe@example.com',
      '4111 1111 1111 1111',
      APPROVER_TOKEN,
      'sk-ant-api03',
      '415-555-0199',
    ])
      expect(logged).not.toContain(leaked);
    const drafted_ = actionEvents.find((e) => e.kind === 'action.drafted')!;
    expect(JSON.parse(drafted_.inputSummary)).toMatchObject({
      account_id: 'acct_1',
      note: expect.stringContaining('[REDACTED:email]'),
    });
    const executed = actionEvents.find((e) => e.kind === 'action.executed')!;
    // A decision on an id that is not the person's draft: the id is the caller's text, masked too.
    await expect(
      gw.actions.approve(`drf_${APPROVER_TOKEN}`, approver(), { reason: 'looks fine', surface: 'api' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    const [refused] = await store.audit.query({ kind: 'action.decision_refused', limit: 1 });
    expect(JSON.stringify(refused)).not.toContain(APPROVER_TOKEN);
    expect(executed.data?.result).toMatch(/\[REDACTED:card\]/);
  });
});
