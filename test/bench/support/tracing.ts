/**
 * OpenTelemetry for the traced case, registered the way a service's SDK would be, but with an exporter that only
 * counts: always-on sampling, BatchSpanProcessor with its default settings, W3C trace context + baggage,
 * AsyncLocalStorage context, and a Prometheus metric reader (the services always have one, so metric recording
 * costs are included). No auto-instrumentation (nothing here is http or pg).
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, type ExportResult, ExportResultCode, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Drops spans after counting them. */
class CountingExporter implements SpanExporter {
  count = 0;

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.count += spans.length;
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface BenchTracing {
  /** Spans exported so far. */
  exported(): number;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startBenchTracing(): BenchTracing {
  const exporter = new CountingExporter();
  const tracerProvider = new BasicTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    exported: () => exporter.count,
    flush: () => tracerProvider.forceFlush(),
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
