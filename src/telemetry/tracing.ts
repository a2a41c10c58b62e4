import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';

/**
 * OpenTelemetry spans through `@opentelemetry/api` only: Toolgate bundles no SDK, so with no
 * tracer provider registered every call here is the API's no-op and costs next to nothing; with
 * the user's provider registered, their exporter receives a span per call and one per stage.
 * Attributes name the tool, client, surface, outcome and audit id — never arguments or results.
 */
const tracer = trace.getTracer('toolgate');

export async function inSpan<T>(name: string, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}
