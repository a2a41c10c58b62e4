import { z } from 'zod';
import { defineAction } from '../../../src/actions/define-action.js';
import { reasonParam } from '../../../src/contract/params.js';
import { invalidInput } from '../../../src/errors/toolgate-error.js';
import { acme, acmeOrNotFound } from './acme-client.js';

interface Invoice {
  id: string;
  tenant: string;
  customer_id: string;
  total_usd: number;
  status: string;
  refunds: { amount_usd: number; status: string }[];
}
interface Refund {
  id: string;
  amount_usd: number;
  status: string;
}
interface Note {
  id: string;
  text: string;
}

/** The brief's two writes: a high-risk refund (approval, verify, void to roll back) and a low-risk note. */
export function acmeActions(base: string) {
  const refund = defineAction({
    name: 'create_refund_draft',
    description: 'Draft a refund of (part of) an invoice for a billing approver to approve.',
    input: z.object({
      invoice_id: z
        .string()
        .regex(/^inv_\w+$/)
        .describe('Invoice to refund'),
      amount_usd: z.number().positive().max(10_000).describe('Amount to refund in USD'),
      reason: reasonParam(),
    }),
    preview: z.object({
      invoice_id: z.string(),
      customer_id: z.string(),
      invoice_total_usd: z.number(),
      already_refunded_usd: z.number(),
      refund_usd: z.number(),
      effect: z.string(),
    }),
    risk: 'high',
    approval: { roles: ['billing_approver'], allowSelfApproval: false, approvers: 1, expiresInMs: 24 * 3_600_000 },
    scopes: ['refunds:draft'],
    tenant: {
      ownerOf: async ({ invoice_id }, ctx) =>
        (await acme<Invoice>(base, ctx, 'acme_refunds_write', `/v1/invoices/${encodeURIComponent(invoice_id)}`))
          ?.tenant ?? null,
    },
    credentials: ['acme_refunds_write'],
    describe: async ({ invoice_id, amount_usd }, ctx) => {
      const invoice = await acmeOrNotFound<Invoice>(
        base,
        ctx,
        'acme_refunds_write',
        `/v1/invoices/${encodeURIComponent(invoice_id)}`,
        `Invoice ${invoice_id}`,
      );
      const refunded = invoice.refunds.filter((r) => r.status === 'succeeded').reduce((s, r) => s + r.amount_usd, 0);
      if (amount_usd > invoice.total_usd - refunded)
        throw invalidInput(
          'amount_usd',
          `at most ${(invoice.total_usd - refunded).toFixed(2)} can still be refunded on ${invoice_id}.`,
        );
      return {
        invoice_id,
        customer_id: invoice.customer_id,
        invoice_total_usd: invoice.total_usd,
        already_refunded_usd: refunded,
        refund_usd: amount_usd,
        effect: `Refund $${amount_usd.toFixed(2)} of ${invoice_id} to the customer's original payment method.`,
      };
    },
    execute: async ({ invoice_id, amount_usd, reason }, ctx) =>
      acme<Refund>(base, ctx, 'acme_refunds_write', '/v1/refunds', {
        method: 'POST',
        headers: { 'idempotency-key': ctx.idempotencyKey },
        body: JSON.stringify({ invoice_id, amount_usd, reason }),
      }),
    verify: async ({ amount_usd }, _result, ctx) => {
      const found = await acme<Refund>(
        base,
        ctx,
        'acme_refunds_write',
        `/v1/refunds?idempotency_key=${encodeURIComponent(ctx.idempotencyKey)}`,
      );
      if (!found) return { ok: false, detail: 'Acme has no refund for this draft' };
      return {
        ok: found.status === 'succeeded' && found.amount_usd === amount_usd,
        detail: `refund ${found.id} is ${found.status} for $${found.amount_usd}`,
      };
    },
    rollback: {
      description: 'Void the refund in Acme before it settles.',
      run: async (_input, _result, ctx) => {
        const found = await acme<Refund>(
          base,
          ctx,
          'acme_refunds_write',
          `/v1/refunds?idempotency_key=${encodeURIComponent(ctx.idempotencyKey)}`,
        );
        if (!found) return { ok: false, detail: 'no refund to void' };
        const voided = await acme<Refund>(base, ctx, 'acme_refunds_write', `/v1/refunds/${found.id}/void`, {
          method: 'POST',
        });
        return { ok: voided?.status === 'voided', detail: `refund ${found.id} is ${voided?.status ?? 'unknown'}` };
      },
    },
  });

  const note = defineAction({
    name: 'append_account_note',
    description:
      "Append a short note to a customer's account (low risk: approved by policy, still audited and verified).",
    input: z.object({
      customer_id: z
        .string()
        .regex(/^cus_\w+$/)
        .describe('Customer id'),
      note: z.string().min(3).max(500).describe('The note text'),
      reason: reasonParam(),
    }),
    preview: z.object({ customer_id: z.string(), note: z.string(), author: z.string() }),
    risk: 'low',
    approval: { roles: ['support_lead'], autoApprove: true },
    scopes: ['notes:write'],
    // The note is text the model wrote from a conversation; it comes back labelled as such.
    untrusted: [{ field: 'preview.note', kind: 'account_note' }],
    tenant: {
      ownerOf: async ({ customer_id }, ctx) =>
        (
          await acme<{ tenant: string }>(
            base,
            ctx,
            'acme_notes_write',
            `/v1/customers/${encodeURIComponent(customer_id)}`,
          )
        )?.tenant ?? null,
    },
    credentials: ['acme_notes_write'],
    describe: ({ customer_id, note: text }, ctx) => ({ customer_id, note: text, author: ctx.principal.actorId }),
    execute: async ({ customer_id, note: text }, ctx) =>
      acme<Note>(base, ctx, 'acme_notes_write', `/v1/customers/${encodeURIComponent(customer_id)}/notes`, {
        method: 'POST',
        headers: { 'idempotency-key': ctx.idempotencyKey },
        body: JSON.stringify({ text, author: ctx.requester }),
      }),
    verify: async ({ customer_id, note: text }, _result, ctx) => {
      const { data } = (await acme<{ data: Note[] }>(
        base,
        ctx,
        'acme_notes_write',
        `/v1/customers/${encodeURIComponent(customer_id)}/notes`,
      )) ?? { data: [] };
      const found = data.find((n) => n.text === text);
      return {
        ok: found !== undefined,
        detail: found ? `note ${found.id} is on the account` : 'the note is not on the account',
      };
    },
  });
  return [refund, note];
}
