import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_MAX_WAITING_PER_CALLER, defineAction } from '../../src/actions/define-action.js';
import type { Principal } from '../../src/auth/principal.js';
import type { ApprovalPolicy } from '../../src/contract/types.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import type { Store } from '../../src/store/types.js';
import { approver, requester } from '../helpers/refund-action.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

// Outside probe, 2026-12-07 (MEDIUM): nothing limited how many drafts one caller could have
// waiting. One token created 1,000 drafts of ~30 KB in 4.7 s (60 MB in the drafts table) and
// another user's earlier draft dropped out of the approvers' lists. Now each action refuses to
// draft while its caller already has `approval.maxWaitingPerCaller` (default 50) waiting.

let store: Store;
let cleanup: () => Promise<void>;
let clock: number;
beforeEach(async () => {
  ({ store, cleanup } = await tempSqliteStore());
  clock = Date.parse('2026-06-01T10:00:00Z');
});
afterEach(() => cleanup());

/** A medium-risk action with no upstream and a rate limit out of the way. */
const archiveTicket = (approval: Partial<ApprovalPolicy> = {}, name = 'archive_ticket') =>
  defineAction({
    name,
    description: 'Archive a support ticket.',
    risk: 'medium',
    approval: { roles: ['billing_approver'], expiresInMs: 60 * 60_000, ...approval },
    input: z.object({ ticket_id: z.string() }),
    preview: z.object({ ticket: z.string() }),
    scopes: ['refunds:draft'],
    tenant: 'caller',
    limits: { rate: { perMinute: 6_000, burst: 200 } },
    describe: (input) => ({ ticket: input.ticket_id }),
    execute: async () => ({ archived: true }),
    verify: async () => ({ ok: true, detail: 'archived' }),
  });

const gatewayWith = (...tools: ReturnType<typeof archiveTicket>[]): Gateway =>
  createGateway({ tools, store, now: () => clock });

const draftAs = (gw: Gateway, who: Principal = requester, tool = 'archive_ticket', ticket = 't_1') =>
  gw.call({ tool, args: { ticket_id: ticket }, principal: who, client: 'support_app', surface: 'mcp_http' });

const draftIdOf = (r: Awaited<ReturnType<typeof draftAs>>) => {
  if (!r.ok) throw new Error(r.text);
  return r.structured.draft_id as string;
};

describe('the cap on drafts awaiting approval per caller', () => {
  it('refuses the draft past the cap with a typed conflict that says what to do, audited as a denial; nothing is stored', async () => {
    const gw = gatewayWith(archiveTicket({ maxWaitingPerCaller: 3 }));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(draftIdOf(await draftAs(gw)));
    const refused = await draftAs(gw);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ code: 'conflict', retryable: false });
    expect(refused.error.message).toMatch(/usr_agent already has 3 drafts awaiting approval/);
    expect(refused.error.message).toMatch(/nothing was drafted/);
    expect(refused.error.message).toMatch(
      /approve or reject the waiting drafts, or let them expire \(the next expires at 2026-06-01T11:00:00\.000Z\)/,
    );
    const event = await store.audit.get(refused.auditId!);
    expect(event).toMatchObject({
      kind: 'tool_call',
      tool: 'archive_ticket',
      actor: 'usr_agent',
      decision: 'deny',
      outcome: 'denied',
      errorCode: 'conflict',
    });
    expect(event?.reason).toContain('waiting drafts: 3 awaiting approval, limit 3 (approval.maxWaitingPerCaller)');
    const waiting = await gw.actions.list({ status: 'awaiting_approval', tenant: 'acme', limit: 100 });
    expect(waiting.map((d) => d.id).sort()).toEqual([...ids].sort());
    // No `action.drafted` event for the refused one: only the three drafts' (and their calls').
    expect(await store.audit.query({ kind: 'action.drafted' })).toHaveLength(3);
  });

  it('counts per caller, across the caller’s actions; a decision or an expiry makes room again', async () => {
    const gw = gatewayWith(archiveTicket({ maxWaitingPerCaller: 2 }), archiveTicket({}, 'close_ticket'));
    const first = draftIdOf(await draftAs(gw));
    draftIdOf(await draftAs(gw, requester, 'close_ticket')); // another action's draft counts too
    expect(await draftAs(gw)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // Someone else in the tenant is not held up by this caller's drafts.
    draftIdOf(await draftAs(gw, { ...requester, actorId: 'usr_other' }));
    // Rejecting one makes room.
    await gw.actions.reject(first, approver(), { reason: 'not needed', surface: 'api' });
    draftIdOf(await draftAs(gw));
    expect(await draftAs(gw)).toMatchObject({ ok: false });
    // So does letting them expire: a draft past its expiry no longer counts, though its status
    // moves only when someone acts on it.
    clock += 61 * 60_000;
    draftIdOf(await draftAs(gw));
  });

  it('concurrent drafts from one caller never pass the cap', async () => {
    const gw = gatewayWith(archiveTicket({ maxWaitingPerCaller: 4 }));
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => draftAs(gw, requester, 'archive_ticket', `t_${i}`)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(4);
    expect(results.filter((r) => !r.ok && r.error.code === 'conflict')).toHaveLength(26);
    expect(await gw.actions.list({ status: 'awaiting_approval', limit: 100 })).toHaveLength(4);
  });

  it('a tenant-wide cap, when set, counts every caller in the tenant', async () => {
    const gw = gatewayWith(archiveTicket({ maxWaitingPerTenant: 3 }));
    for (const actorId of ['usr_a', 'usr_b', 'usr_c']) draftIdOf(await draftAs(gw, { ...requester, actorId }));
    const refused = await draftAs(gw, { ...requester, actorId: 'usr_d' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/^This tenant already has 3 drafts awaiting approval/);
    // Another tenant has its own count.
    draftIdOf(await draftAs(gw, { ...requester, actorId: 'usr_d', tenant: 'globex' }));
  });

  it('defaults to 50 per caller and no tenant-wide cap; a limit must be a whole number ≥ 1 or Infinity', async () => {
    expect(DEFAULT_MAX_WAITING_PER_CALLER).toBe(50);
    expect(archiveTicket().action?.approval).toMatchObject({ maxWaitingPerCaller: 50, maxWaitingPerTenant: undefined });
    const gw = gatewayWith(archiveTicket());
    for (let i = 0; i < 50; i++) draftIdOf(await draftAs(gw));
    expect(await draftAs(gw)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(() => archiveTicket({ maxWaitingPerCaller: 0 })).toThrow(/maxWaitingPerCaller must be a whole number ≥ 1/);
    expect(() => archiveTicket({ maxWaitingPerCaller: 2.5 })).toThrow(/maxWaitingPerCaller/);
    expect(() => archiveTicket({ maxWaitingPerTenant: -1 })).toThrow(/maxWaitingPerTenant must be a whole number ≥ 1/);
    // Infinity turns the cap off.
    const free = gatewayWith(archiveTicket({ maxWaitingPerCaller: Infinity }, 'close_ticket'));
    draftIdOf(await draftAs(free, requester, 'close_ticket'));
  });
});
