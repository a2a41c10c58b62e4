/**
 * Where a call's time goes: the pipeline in-process with an OpenTelemetry tracer that only sums
 * span durations (Toolgate's own spans: one per call, per stage, and the audit append). One call
 * at a time, so each span is that stage's own cost rather than time spent queued behind other
 * calls; the audit append therefore includes one fsync per call (under load, one per batch).
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_PRINCIPAL, benchToolWith } from './bench-tool.js';
import { shipped } from './shipped.js';

export async function stageBreakdown(calls: number): Promise<{ name: string; meanUs: number }[]> {
  const sums = new Map<string, { total: number; count: number }>();
  const summing: SpanProcessor = {
    onStart: () => undefined,
    onEnd: (span: ReadableSpan) => {
      const name = span.name.replace(/^toolgate\.call .*/, 'toolgate.call (whole)');
      const entry = sums.get(name) ?? { total: 0, count: 0 };
      entry.total += span.duration[0] * 1e6 + span.duration[1] / 1e3;
      entry.count += 1;
      sums.set(name, entry);
    },
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  const provider = new BasicTracerProvider({ spanProcessors: [summing] });
  trace.setGlobalTracerProvider(provider);
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-stages-'));
  const [{ openStore }, { createGateway }, { defineTool }] = await Promise.all([
    shipped.openStore(),
    shipped.createGateway(),
    shipped.defineTool(),
  ]);
  const store = await openStore({ database: join(dir, 'stages.db') });
  const gateway = createGateway({ tools: [benchToolWith(defineTool)], store });
  const call = () =>
    gateway.call({
      tool: 'get_customer_billing_summary',
      args: { customer_id: 'cus_123' },
      principal: BENCH_PRINCIPAL,
      client: 'bench',
      surface: 'mcp_http',
      requestId: null,
    });
  for (let i = 0; i < 200; i++) await call(); // warm-up, not counted
  sums.clear();
  for (let i = 0; i < calls; i++) await call();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  trace.disable();
  return [...sums].map(([name, { total, count }]) => ({ name, meanUs: total / count }));
}
