import type Anthropic from '@anthropic-ai/sdk';
import { lastToolResults, reply, type Script } from '../../src/scripted-model/server.js';

/**
 * The script `toolgate chat` runs when there is no ANTHROPIC_API_KEY. It is not a model: it asks
 * for the billing summary of the customer id in the question, then phrases the tool result.
 */
export const supportScript: Script = (request, turn) => {
  const question = firstUserText(request);
  const customer = /cus_\w+/.exec(question)?.[0];
  if (turn === 1 && customer) {
    return {
      stop_reason: 'tool_use',
      content: [
        reply.text(`I'll look up ${customer}'s billing.`),
        reply.toolUse('get_customer_billing_summary', {
          customer_id: customer,
          reason: `user asked: ${question.slice(0, 80)}`,
        }),
      ],
    };
  }
  const [result] = lastToolResults(request);
  if (!result) return { stop_reason: 'end_turn', content: [reply.text('Ask me about a customer id such as cus_123.')] };
  const data = JSON.parse(String(result.content)) as {
    error?: { code: string; message: string };
    billing_status?: string;
    open_invoice_count?: number;
    open_amount_usd?: number;
    latest_invoice?: { id: string; due_date: string } | null;
    recommended_next_action?: string;
  };
  if (data.error)
    return {
      stop_reason: 'end_turn',
      content: [reply.text(`I couldn't get that: ${data.error.code} — ${data.error.message}`)],
    };
  const latest = data.latest_invoice
    ? ` The latest open invoice is ${data.latest_invoice.id}, due ${data.latest_invoice.due_date}.`
    : '';
  return {
    stop_reason: 'end_turn',
    content: [
      reply.text(
        `${customer ?? 'The customer'} is ${data.billing_status?.replace('_', ' ')} with ${data.open_invoice_count} open invoice(s) totalling $${data.open_amount_usd}.${latest} Suggested reply: ${data.recommended_next_action}.`,
      ),
    ],
  };
};

function firstUserText(request: Anthropic.MessageCreateParamsNonStreaming): string {
  const first = request.messages[0];
  if (!first) return '';
  return typeof first.content === 'string'
    ? first.content
    : first.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(' ');
}
