import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

import { usePrometheusReader } from '../telemetry.registry';

/** Global OpenTelemetry providers that keep everything in memory, for tests. */
export interface InMemoryTelemetry {
  /** Finished spans, in the order they ended. */
  spans(): ReadableSpan[];
  /** The one finished span with this name; throws when there is none or more than one. */
  span(name: string): ReadableSpan;
  /** The metrics recorded so far (cumulative). */
  collectMetrics(): Promise<ResourceMetrics>;
  /** Forgets finished spans. */
  reset(): void;
  /** Unregisters the global providers. */
  shutdown(): Promise<void>;
}

/**
 * Registers in-memory tracing (AsyncLocalStorage context, W3C trace context + baggage, every span sampled and kept)
 * and metrics (also the source of `GET /metrics`) as the global OpenTelemetry providers. One per test file: the
 * globals live per Jest module registry.
 */
export function createInMemoryTelemetry(): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const reader = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [reader] });

  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  metrics.setGlobalMeterProvider(meterProvider);
  usePrometheusReader(reader);

  return {
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((span) => span.name === name);
      if (found.length !== 1) {
        const names = exporter.getFinishedSpans().map((span) => span.name);
        throw new Error(`expected one span "${name}", found ${found.length} among [${names.join(', ')}]`);
      }
      return found[0];
    },
    async collectMetrics() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics;
    },
    reset: () => exporter.reset(),
    async shutdown() {
      usePrometheusReader(undefined);
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
  };
}
