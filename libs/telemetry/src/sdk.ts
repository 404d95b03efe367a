/**
 * `@app/telemetry/sdk`: the OpenTelemetry bootstrap. Import it from each app's `src/instrumentation.ts`, the first
 * import of `main.ts`, so the SDK patches http, pg and pino before Nest (or anything else) loads them. Imports only
 * `@opentelemetry/*`, node builtins and files of this folder that do the same: nothing here may load Nest early.
 *
 * Configuration is the standard `OTEL_*` environment; see `telemetry.config.ts` for the defaults and the few places
 * they differ from the SDK's (no OTLP export without an endpoint, logs stay on stdout).
 */
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPMetricExporter as OtlpGrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OtlpJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { ConsoleMetricExporter, type IMetricReader, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_DEPLOYMENT_ENVIRONMENT_NAME, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

import { registerProcessMetrics } from './process.metrics';
import {
  type MetricPushExporter,
  type OtlpProtocol,
  type ResolvedTelemetryConfig,
  resolveTelemetryConfig,
  type TelemetryOptions,
} from './telemetry.config';
import { currentTelemetry, registerTelemetry, type TelemetryHandle } from './telemetry.registry';

export type { TelemetryHandle } from './telemetry.registry';
export type { TelemetryOptions } from './telemetry.config';

/** Probe and scrape requests would otherwise be most of the traces. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

const DISABLED: TelemetryHandle = { enabled: false, shutdown: () => Promise.resolve() };

function otlpMetricExporter(protocol: OtlpProtocol): PushMetricExporter {
  switch (protocol) {
    case 'grpc':
      return new OtlpGrpcMetricExporter();
    case 'http/json':
      return new OtlpJsonMetricExporter();
    case 'http/protobuf':
      return new OtlpProtobufMetricExporter();
    default: {
      const unexpected: never = protocol;
      throw new Error(`unsupported OTLP protocol ${String(unexpected)}`);
    }
  }
}

function pushReader(exporter: MetricPushExporter, config: ResolvedTelemetryConfig): IMetricReader {
  return new PeriodicExportingMetricReader({
    exporter: exporter === 'otlp' ? otlpMetricExporter(config.metricsProtocol) : new ConsoleMetricExporter(),
    exportIntervalMillis: config.metricExportIntervalMs,
    exportTimeoutMillis: config.metricExportTimeoutMs,
  });
}

/** The NodeSDK options for a resolved configuration (separate from starting, so it can be inspected). */
function sdkConfiguration(config: ResolvedTelemetryConfig, prometheus: PrometheusExporter): Partial<NodeSDKConfiguration> {
  const sdkOptions: Partial<NodeSDKConfiguration> = {
    // Detected attributes (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, host, process) are merged over these.
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.serviceName,
        [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: config.deploymentEnvironment,
        ...(config.serviceVersion ? { [ATTR_SERVICE_VERSION]: config.serviceVersion } : {}),
      }),
    ),
    // Giving readers means the SDK does not read OTEL_METRICS_EXPORTER itself; telemetry.config.ts does.
    metricReaders: [prometheus, ...config.metricExporters.map((exporter) => pushReader(exporter, config))],
    instrumentations: [
      getNodeAutoInstrumentations({
        // One span per file read, socket and lookup: volume without insight (the NATS client alone is a socket).
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        // Only when they reach a backend (telemetry.config.ts says why).
        ...(config.databaseSpans ? {} : { '@opentelemetry/instrumentation-pg': { enabled: false } }),
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        },
        // Trace ids go into log lines either way; shipping the lines themselves only when logs are exported.
        '@opentelemetry/instrumentation-pino': { disableLogSending: !config.logsExported },
      }),
    ],
  };
  // Without processors the SDK would register no tracer provider at all, and trace context would stop at this
  // service. A no-op processor keeps spans, propagation and log correlation, and drops the spans at the end.
  if (config.tracesDropped) sdkOptions.spanProcessors = [new NoopSpanProcessor()];
  // An empty list stops the SDK from defaulting to an OTLP log exporter.
  if (!config.logsExported) sdkOptions.logRecordProcessors = [];
  return sdkOptions;
}

/**
 * Starts OpenTelemetry for this process: traces (W3C trace context + baggage propagation, sampler from
 * `OTEL_TRACES_SAMPLER`), metrics (Prometheus text at `GET /metrics` via `TelemetryModule`, OTLP when configured)
 * and auto-instrumentation of http, pg, pino and friends. Call once, before Nest loads; a second call returns the
 * first handle. With `OTEL_SDK_DISABLED=true` nothing is registered and the API stays no-op.
 *
 * The returned handle's `shutdown()` flushes; `TelemetryModule` calls it when the app closes.
 */
export function startTelemetry(options: TelemetryOptions): TelemetryHandle {
  const running = currentTelemetry();
  if (running) return running;

  const config = resolveTelemetryConfig(options, process.env);
  for (const warning of config.warnings) process.emitWarning(warning, 'TelemetryConfigWarning');
  if (config.disabled) {
    registerTelemetry(DISABLED, undefined);
    return DISABLED;
  }

  // Served by our own /metrics route on the app's HTTP port instead of a second server on 9464.
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const sdk = new NodeSDK(sdkConfiguration(config, prometheus));
  sdk.start();
  registerProcessMetrics();

  let stopping: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    enabled: true,
    shutdown: () => {
      stopping ??= sdk.shutdown().catch((error: unknown) => {
        // Losing the last batch must not turn a clean shutdown into a failed one.
        process.stderr.write(`telemetry: flush on shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
      });
      return stopping;
    },
  };
  registerTelemetry(handle, prometheus);
  return handle;
}
