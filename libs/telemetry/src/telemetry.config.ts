/**
 * Turns the standard `OTEL_*` variables (plus `DEPLOYMENT_ENVIRONMENT`/`NODE_ENV`) into the decisions the bootstrap
 * makes. Pure, so the defaults are testable and documented in one place. Only node builtins here: this file is part
 * of the `@app/telemetry/sdk` entry, loaded before anything else.
 *
 * Where we deviate from the SDK's own defaults, and why:
 * - No OTLP endpoint configured and `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` unset: export nothing (instead
 *   of `otlp` to localhost:4318), so a first `npm start` without a collector does not log connection errors every
 *   few seconds. Setting `OTEL_EXPORTER_OTLP_ENDPOINT` alone turns OTLP export of traces and metrics on.
 * - Traces exporter `none` still creates spans (sampled per `OTEL_TRACES_SAMPLER`) that are dropped instead of
 *   exported: trace ids keep flowing through HTTP and NATS headers and into log lines, so logs of one order can be
 *   correlated across services even without a tracing backend. `OTEL_SDK_DISABLED=true` turns everything off.
 * - Spans of every database query (`instrumentation-pg`) only when traces are exported: dropped, they cost about a fifth
 *   of each service's CPU under load (a span and a histogram record per statement) and show nobody anything.
 *   `OTEL_NODE_ENABLED_INSTRUMENTATIONS` naming `pg` turns them on regardless.
 * - Logs are not exported over OTLP unless `OTEL_LOGS_EXPORTER` is set: stdout (JSON, with trace ids) is the log
 *   pipeline, and Jaeger, the usual OTLP endpoint here, accepts traces only.
 * - `GET /metrics` (Prometheus text) is always served while the SDK is enabled; `OTEL_METRICS_EXPORTER` only chooses
 *   the push exporters (`prometheus` in it is accepted and ignored: there is no separate Prometheus port).
 */

/** Wire protocols of the OTLP exporters. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** Push exporters for metrics (besides the always-on Prometheus endpoint). */
export type MetricPushExporter = 'otlp' | 'console';

/** What the bootstrap needs from the app. */
export interface TelemetryOptions {
  /** `service.name`, unless `OTEL_SERVICE_NAME` is set. */
  serviceName: string;
  /** `service.version`; defaults to `npm_package_version` when started through npm. */
  serviceVersion?: string;
}

/** The decisions `startTelemetry` acts on. */
export interface ResolvedTelemetryConfig {
  disabled: boolean;
  serviceName: string;
  serviceVersion?: string;
  deploymentEnvironment: string;
  /** True: no trace exporter, spans are created and dropped. False: the SDK builds exporters from `OTEL_*`. */
  tracesDropped: boolean;
  /** Whether database queries get spans of their own (`instrumentation-pg`): with exported traces, or on request. */
  databaseSpans: boolean;
  metricExporters: MetricPushExporter[];
  metricsProtocol: OtlpProtocol;
  metricExportIntervalMs: number;
  metricExportTimeoutMs: number;
  /** False: no OTLP logs. True: the SDK builds log exporters from `OTEL_LOGS_EXPORTER`. */
  logsExported: boolean;
  /** Configuration mistakes worth telling the operator about (unknown values that were replaced by defaults). */
  warnings: string[];
}

const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 60_000;
const DEFAULT_METRIC_EXPORT_TIMEOUT_MS = 30_000;

type Env = Record<string, string | undefined>;

/** A variable's trimmed value; unset and empty are the same (the OpenTelemetry spec says so). */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function list(env: Env, name: string): string[] | undefined {
  const value = read(env, name);
  if (!value) return undefined;
  return [
    ...new Set(
      value
        .split(',')
        .map((item) => item.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

function positiveNumber(env: Env, name: string, warnings: string[]): number | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (Number.isFinite(parsed) && parsed > 0) return parsed;
  warnings.push(`${name}=${value} is not a positive number; using the default`);
  return undefined;
}

function protocol(env: Env, signalVariable: string, warnings: string[]): OtlpProtocol {
  const variable = read(env, signalVariable) ? signalVariable : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = read(env, variable);
  if (value === undefined) return 'http/protobuf';
  if ((PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
  warnings.push(`${variable}=${value} is not one of ${PROTOCOLS.join(', ')}; using http/protobuf`);
  return 'http/protobuf';
}

/** Resolves the telemetry configuration from an environment (normally `process.env`). */
export function resolveTelemetryConfig(options: TelemetryOptions, env: Env): ResolvedTelemetryConfig {
  const warnings: string[] = [];
  const endpoint = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');

  // Same reading as the SDK's: a list whose first entry is `none` means no trace exporter.
  const traceExporters = list(env, 'OTEL_TRACES_EXPORTER') ?? (endpoint || read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ? ['otlp'] : ['none']);
  const tracesDropped = traceExporters[0] === 'none';

  const metricExporters: MetricPushExporter[] = [];
  const requestedMetrics = list(env, 'OTEL_METRICS_EXPORTER') ?? (endpoint || read(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ? ['otlp'] : []);
  if (!requestedMetrics.includes('none')) {
    for (const name of requestedMetrics) {
      if (name === 'otlp' || name === 'console') metricExporters.push(name);
      else if (name !== 'prometheus') warnings.push(`OTEL_METRICS_EXPORTER: unknown exporter "${name}" ignored`);
    }
  }

  const interval = positiveNumber(env, 'OTEL_METRIC_EXPORT_INTERVAL', warnings) ?? DEFAULT_METRIC_EXPORT_INTERVAL_MS;
  const timeout = positiveNumber(env, 'OTEL_METRIC_EXPORT_TIMEOUT', warnings) ?? DEFAULT_METRIC_EXPORT_TIMEOUT_MS;

  const logExporters = list(env, 'OTEL_LOGS_EXPORTER');

  return {
    disabled: read(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true',
    serviceName: read(env, 'OTEL_SERVICE_NAME') ?? options.serviceName,
    serviceVersion: options.serviceVersion ?? read(env, 'npm_package_version'),
    deploymentEnvironment: read(env, 'DEPLOYMENT_ENVIRONMENT') ?? read(env, 'NODE_ENV') ?? 'development',
    tracesDropped,
    databaseSpans: !tracesDropped || (list(env, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS') ?? []).includes('pg'),
    metricExporters,
    metricsProtocol: protocol(env, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', warnings),
    metricExportIntervalMs: interval,
    // The SDK rejects a timeout longer than the interval.
    metricExportTimeoutMs: Math.min(timeout, interval),
    logsExported: logExporters !== undefined && !logExporters.includes('none'),
    warnings,
  };
}
