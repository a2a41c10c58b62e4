import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { STAGES } from '../../src/pipeline/run.js';
import { defineTool } from '../../src/contract/define-tool.js';
import { staticCredentials } from '../../src/credentials/provider.js';
import { ToolgateError } from '../../src/errors/toolgate-error.js';
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

it('a failed stage records the error kind and code, never its message or stack; a made-up tool name is masked', async () => {
  // Before: `exception.message` and `exception.stacktrace` carried the handler's error, credential
  // and all, while the log and the audit masked it (outside probe).
  exporter.reset();
  const { store, cleanup } = await tempSqliteStore();
  const credential = 'otelCredential_0123456789abcdef';
  const leaky = defineTool({
    ...getCustomerSummary,
    name: 'get_leaky_thing',
    handler: async () => {
      throw new ToolgateError('upstream_unavailable', `upstream refused key ${credential}`);
    },
  });
  const gateway = createGateway({
    tools: [leaky],
    store,
    credentials: staticCredentials({ test: { billing_read: credential } }, 'test'),
  });
  const call = (tool: string) =>
    gateway.call({ tool, args: { customer_id: 'cus_1' }, principal: agent, client: 'app', surface: 'direct' });
  expect(await call('get_leaky_thing')).toMatchObject({ ok: false, error: { code: 'upstream_unavailable' } });
  expect(await call(credential)).toMatchObject({ ok: false, error: { code: 'not_found' } });
  const spans = exporter.getFinishedSpans();
  const failed = spans.find((s) => s.name === 'toolgate.stage run-handler');
  expect(failed?.events[0]).toMatchObject({
    name: 'exception',
    attributes: { 'exception.type': 'upstream_unavailable', 'exception.message': 'ToolgateError' },
  });
  expect(spans.map((s) => s.name)).toContain('toolgate.call [REDACTED:credential]');
  expect(JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]))).not.toContain(credential);
  // A token straddling the 128 characters kept is masked whole first, then cut (review).
  expect(await call(`${'x'.repeat(120)}${credential}`)).toMatchObject({ ok: false });
  const rows = await store.audit.query({});
  expect(rows.map((e) => e.tool)).toEqual(['get_leaky_thing', '[REDACTED:credential]', `${'x'.repeat(120)}[REDACTE`]);
  await cleanup();
});
