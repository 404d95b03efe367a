import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';

import { createInMemoryTelemetry, type InMemoryTelemetry } from './testing';
import { restoreContext, serializeContext } from './trace-context.carrier';
import { traceLogMixin } from './trace-log.mixin';

describe('outbox context carrier and log mixin', () => {
  let telemetry: InMemoryTelemetry;
  beforeAll(() => {
    telemetry = createInMemoryTelemetry();
  });
  afterAll(() => telemetry.shutdown());

  it('round-trips the active trace and baggage through a stored carrier', () => {
    const tracer = trace.getTracer('test');
    const written = tracer.startActiveSpan('POST /orders', (span) => {
      const withBaggage = propagation.setBaggage(context.active(), propagation.createBaggage({ 'order.id': { value: 'o-42' } }));
      const carrier = serializeContext(withBaggage);
      span.end();
      return { carrier, spanContext: span.spanContext() };
    });
    // What a jsonb column gives back.
    const stored = JSON.parse(JSON.stringify(written.carrier)) as Record<string, string>;
    expect(Object.keys(stored).sort()).toEqual(['baggage', 'traceparent']);

    const restored = restoreContext(stored);
    const relaySpan = tracer.startSpan('send orders.created', {}, restored);
    relaySpan.end();
    expect(relaySpan.spanContext().traceId).toBe(written.spanContext.traceId);
    expect(telemetry.span('send orders.created').parentSpanContext?.spanId).toBe(written.spanContext.spanId);
    expect(propagation.getBaggage(restored)?.getEntry('order.id')?.value).toBe('o-42');
  });

  it('serialises nothing outside a span and restores the root context from an empty or missing carrier', () => {
    expect(serializeContext(ROOT_CONTEXT)).toEqual({});
    expect(restoreContext(null)).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(restoreContext({}))).toBeUndefined();
  });

  it('gives log lines the ids of the active span and nothing outside one', () => {
    expect(traceLogMixin()).toEqual({});
    trace.getTracer('test').startActiveSpan('work', (span) => {
      expect(traceLogMixin()).toEqual({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
      span.end();
    });
  });

  it('keeps the ids across awaits inside the span', async () => {
    await trace.getTracer('test').startActiveSpan('async work', async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(traceLogMixin().trace_id).toBe(span.spanContext().traceId);
      span.end();
    });
  });
});
