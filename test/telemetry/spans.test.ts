import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { STAGES } from '../../src/pipeline/run.js';
import { createGateway } from '../../src/gateway/create-gateway.js';
import { agent, credentials, getCustomerSummary } from '../helpers/fixture-tools.js';
import { tempSqliteStore } from '../helpers/temp-store.js';

// The user's tracer provider picks up Toolgate's spans; Toolgate itself bundles no SDK.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => {
  // What an application's OpenTelemetry setup (e.g. NodeSDK) registers.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

it('a call is one span with a child per pipeline stage and one for the audit append, without arguments', async () => {
  const { store, cleanup } = await tempSqliteStore();
  const gateway = createGateway({ tools: [getCustomerSummary], store, credentials });
  const secretArg = 'cus_1';
  const result = await gateway.call({
    tool: 'get_customer_summary',
    args: { customer_id: secretArg },
    principal: agent,
    client: 'app',
    surface: 'direct',
  });
  expect(result.ok).toBe(true);
  const spans = exporter.getFinishedSpans();
  const root = spans.find((s) => s.name === 'toolgate.call get_customer_summary');
  expect(root?.attributes).toMatchObject({
    'toolgate.tool': 'get_customer_summary',
    'toolgate.outcome': 'ok',
    'toolgate.audit_id': result.auditId,
  });
  const rootId = root!.spanContext().spanId;
  const children = spans.filter((s) => s.parentSpanContext?.spanId === rootId).map((s) => s.name);
  expect(children).toEqual([...STAGES.map(([name]) => `toolgate.stage ${name}`), 'toolgate.audit append']);
  expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(secretArg);
  await cleanup();
});
