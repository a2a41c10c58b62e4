import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkthroughCredentials, walkthroughTools } from '../../examples/walkthrough/toolset.js';
import { createGateway, type Gateway } from '../../src/gateway/create-gateway.js';
import { lastToolResults, reply, startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server.js';
import type { Store } from '../../src/store/types.js';
import { messagesTools } from '../../src/surfaces/direct/tool-definitions.js';
import { runToolLoop } from '../../src/surfaces/direct/run-tool-loop.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

const agent = { actorId: 'usr_ada', tenant: 'acme', roles: ['support'], scopes: ['billing:read', 'tickets:read'] };

let store: Store;
let cleanup: () => Promise<void>;
let gateway: Gateway;
let model: ScriptedModel | undefined;
beforeEach(async () => {
  ({ store, cleanup } = await tempSqliteStore());
  gateway = createGateway({
    tools: walkthroughTools,
    credentials: walkthroughCredentials,
    store,
    toolsets: { support_app: ['get_customer_billing_summary'] },
  });
});
afterEach(async () => {
  await model?.close();
  await cleanup();
});

describe('direct Messages-API route', () => {
  it('lists only the client toolset as Messages-API tool definitions', () => {
    const tools = messagesTools(gateway, 'support_app', agent);
    expect(tools.map((t) => t.name)).toEqual(['get_customer_billing_summary']);
    expect(tools[0]?.input_schema).toMatchObject({ type: 'object', required: ['customer_id', 'reason'] });
    expect(tools[0]?.input_schema).not.toHaveProperty('$schema');
  });

  it('runs tool_use → pipeline → tool_result → final text with the real SDK against a scripted model', async () => {
    model = await startScriptedModel((request, turn) => {
      if (turn === 1) {
        return {
          stop_reason: 'tool_use',
          content: [
            reply.text('Let me check.'),
            reply.toolUse(
              'get_customer_billing_summary',
              { customer_id: 'cus_123', reason: 'customer asked about billing' },
              'toolu_1',
            ),
          ],
        };
      }
      const [result] = lastToolResults(request);
      const summary = JSON.parse(String(result?.content)) as { billing_status: string; latest_invoice: { id: string } };
      return {
        stop_reason: 'end_turn',
        content: [reply.text(`Status ${summary.billing_status}; invoice ${summary.latest_invoice.id} is open.`)],
      };
    });
    const anthropic = new Anthropic({ apiKey: 'scripted', baseURL: model.url, maxRetries: 0 });
    const out = await runToolLoop({
      anthropic,
      gateway,
      principal: agent,
      client: 'support_app',
      requestId: 'req_direct_1',
      params: {
        model: 'claude-sonnet-5-5',
        max_tokens: 512,
        messages: [{ role: 'user', content: 'What is the billing status of cus_123?' }],
      },
    });
    expect(out.text).toBe('Status past_due; invoice inv_789 is open.');
    expect(out.stoppedBecause).toBe('end_turn');
    expect(out.calls).toHaveLength(1);
    expect(model.requests[0]?.tools?.map((t) => ('name' in t ? t.name : ''))).toEqual(['get_customer_billing_summary']);
    const sent = lastToolResults(model.requests[1]!)[0];
    expect(sent).toMatchObject({ tool_use_id: 'toolu_1', type: 'tool_result' });
    expect(sent?.is_error).toBeUndefined();
    const event = await store.audit.get(out.calls[0]!.auditId!);
    expect(event).toMatchObject({
      surface: 'direct',
      callId: 'toolu_1',
      requestId: 'req_direct_1',
      tool: 'get_customer_billing_summary',
      outcome: 'ok',
    });
  });

  it(
    'sends a denied call back as an is_error tool_result with the typed error, and ' + 'stops at max iterations',
    async () => {
      model = await startScriptedModel(() => ({
        stop_reason: 'tool_use',
        content: [
          reply.toolUse('get_customer_billing_summary', { customer_id: 'cus_900', reason: 'cross-tenant attempt' }),
        ],
      }));
      const anthropic = new Anthropic({ apiKey: 'scripted', baseURL: model.url, maxRetries: 0 });
      const out = await runToolLoop({
        anthropic,
        gateway,
        principal: agent,
        client: 'support_app',
        maxIterations: 2,
        params: { model: 'claude-sonnet-5-5', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] },
      });
      expect(out.stoppedBecause).toBe('max_iterations');
      expect(out.calls.map((c) => c.errorCode)).toEqual(['not_found', 'not_found']);
      const sent = lastToolResults(model.requests[1]!)[0];
      expect(sent?.is_error).toBe(true);
      expect(JSON.parse(String(sent?.content))).toMatchObject({ error: { code: 'not_found', retryable: false } });
    },
  );

  it('resumes a pause_turn by sending the assistant turn back', async () => {
    model = await startScriptedModel((_req, turn) =>
      turn === 1
        ? { stop_reason: 'pause_turn', content: [reply.text('thinking…')] }
        : { stop_reason: 'end_turn', content: [reply.text('done')] },
    );
    const anthropic = new Anthropic({ apiKey: 'scripted', baseURL: model.url, maxRetries: 0 });
    const out = await runToolLoop({
      anthropic,
      gateway,
      principal: agent,
      client: 'support_app',
      params: { model: 'claude-sonnet-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(out.text).toBe('done');
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]?.messages.at(-1)).toMatchObject({ role: 'assistant' });
  });
});
