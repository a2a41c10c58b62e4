import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Gateway } from '../gateway/create-gateway.js';

/**
 * Prometheus metrics for `/metrics` (R7): calls by tool and outcome, denials by reason code,
 * latency and result sizes. Fed from the gateway's call events, so every surface is counted the
 * same way and no surface has to remember to. The audit store's commits are timed too: every
 * call waits for one, so a slow disk or database shows there first.
 */
export function createMetrics(gateway: Gateway): { registry: Registry; stop: () => void } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'toolgate_process_' });
  const calls = new Counter({
    name: 'toolgate_tool_calls_total',
    help: 'Tool calls by tool, surface and outcome',
    labelNames: ['tool', 'surface', 'outcome', 'code'] as const,
    registers: [registry],
  });
  const denials = new Counter({
    name: 'toolgate_denials_total',
    help: 'Calls denied by policy, by reason code',
    labelNames: ['tool', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'toolgate_tool_call_seconds',
    help: 'Tool call latency up to its audit write (the write is toolgate_audit_commit_seconds)',
    labelNames: ['tool', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const sizes = new Histogram({
    name: 'toolgate_result_bytes',
    help: 'Size of successful results sent to the model',
    labelNames: ['tool'] as const,
    buckets: [256, 1024, 4096, 16384, 65536, 262144],
    registers: [registry],
  });
  new Gauge({
    name: 'toolgate_upstream_circuit_open',
    help: 'Whether calls to an upstream currently fail fast (1: open or probing, 0: closed)',
    labelNames: ['upstream'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [upstream, h] of Object.entries(gateway.runtime.breakers.health())) {
        this.set({ upstream }, h.state === 'closed' ? 0 : 1);
      }
    },
  });
  const commitSeconds = new Histogram({
    name: 'toolgate_audit_commit_seconds',
    help: 'Time to make one batch of audit events durable (the write, the fsync, any checkpoint in it); calls wait for it',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const commitEvents = new Histogram({
    name: 'toolgate_audit_commit_events',
    help: 'Audit events per commit (group commit batch size)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  });
  const stopCommits = gateway.runtime.store.audit.onCommit((commit) => {
    commitSeconds.observe(commit.seconds);
    commitEvents.observe(commit.events);
  });
  const stopCalls = gateway.onCall((event) => {
    // Unknown tool names come from the caller: fold them into one label so they cannot blow up cardinality.
    const tool = gateway.runtime.tools.has(event.tool) ? event.tool : 'unknown';
    calls.inc({ tool, surface: event.surface, outcome: event.outcome, code: event.errorCode ?? 'none' });
    if (event.outcome === 'denied') denials.inc({ tool, code: event.errorCode ?? 'unknown' });
    latency.observe({ tool, outcome: event.outcome }, event.latencyMs / 1000);
    if (event.outcome === 'ok') sizes.observe({ tool }, event.resultBytes);
  });
  const stop = () => {
    stopCalls();
    stopCommits();
  };
  return { registry, stop };
}
