import { INVALID_SPAN_CONTEXT, ProxyTracerProvider, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

/**
 * OpenTelemetry spans through `@opentelemetry/api` only: Toolgate bundles no SDK, so with no
 * tracer provider registered every call here is the API's no-op and costs next to nothing; with
 * the user's provider registered, their exporter receives a span per call and one per stage.
 * Attributes name the tool, client, surface, outcome and audit id — never arguments, results or
 * error messages.
 */
const tracer = trace.getTracer('toolgate');

// Issue #15: with no provider registered, the API's no-op still built a span and entered a
// context for every call and stage (~10% of a call's CPU in the profile). Checked per call, so a
// provider registered after start-up is honoured at once.
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** True while no tracer provider is registered: callers may skip building span names at all. */
export function tracingOff(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_PROVIDER;
}

export function inSpan<T>(name: string, work: (span: Span) => Promise<T>): Promise<T> {
  if (tracingOff()) {
    // Not an async function: with tracing off this adds no promise of its own around the work's.
    try {
      return work(NOOP_SPAN);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      // The error's kind and code, never its message or stack: those carry what an upstream
      // answered, a credential it echoed, PII, and spans go to a backend nothing masks for. An
      // outside probe found a handler's error with the credential in clear on a stage span while
      // the log and the audit masked it. The call span's audit id leads to the masked details.
      const name = error instanceof Error ? error.name : typeof error;
      const code = (error as { code?: unknown } | null)?.code;
      span.recordException({ name, code: typeof code === 'string' ? code : name, message: name });
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}
